import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One user's setting for one notification category. */
@Entity({ name: 'notification_preferences' })
export class NotificationPreference {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  category!: string;

  /** Muted: stored and listed, not pushed live, left out of the top-level counts (`critical` ones excepted). */
  @Column({ type: 'boolean' })
  muted!: boolean;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
