import { Column, Entity, Generated, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/**
 * One transactional-outbox entry: a contiguous range of notification ids
 * written by one INSERT, committed in the same transaction as the rows.
 * The relay deletes it once the range is published.
 */
@Entity({ name: 'notification_outbox' })
export class OutboxEntry {
  @PrimaryColumn({ type: 'bigint', transformer: bigintIdTransformer })
  @Generated('increment')
  id!: string;

  /** First notification id of the range (inclusive). */
  @Column({ name: 'first_id', type: 'bigint', transformer: bigintIdTransformer })
  firstId!: string;

  /** Last notification id of the range (inclusive). */
  @Column({ name: 'last_id', type: 'bigint', transformer: bigintIdTransformer })
  lastId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
