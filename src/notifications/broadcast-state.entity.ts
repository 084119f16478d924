import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/** One user's seen, archived and deleted marks on one broadcast (read marks stay in `BroadcastRead`). */
@Entity({ name: 'broadcast_states' })
export class BroadcastState {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @PrimaryColumn({ name: 'notification_id', type: 'bigint', transformer: bigintIdTransformer })
  notificationId!: string;

  @Column({ name: 'seen_at', type: 'datetime', precision: 3, nullable: true })
  seenAt!: Date | null;

  @Column({ name: 'archived_at', type: 'datetime', precision: 3, nullable: true })
  archivedAt!: Date | null;

  /** Set by `DELETE /notifications/:id`: the broadcast is gone from this user's feed for good. */
  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
