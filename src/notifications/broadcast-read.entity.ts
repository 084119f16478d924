import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/** One user's read mark on one broadcast notification. */
@Entity({ name: 'broadcast_reads' })
export class BroadcastRead {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @PrimaryColumn({ name: 'notification_id', type: 'bigint', transformer: bigintIdTransformer })
  notificationId!: string;

  @Column({ name: 'read_at', type: 'datetime', precision: 3 })
  readAt!: Date;
}
