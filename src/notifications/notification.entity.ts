import { Column, Entity, Generated, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/**
 * One stored notification. A targeted notification is one row per
 * recipient; a broadcast is a single row with `recipient` NULL whose
 * per-user read state lives in `BroadcastRead`.
 */
@Entity({ name: 'notifications' })
export class Notification {
  /** BIGINT auto-increment as a decimal string; grows with time; the feed cursor. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintIdTransformer })
  @Generated('increment')
  id!: string;

  /** The user (`sub`) it belongs to, or null for a broadcast. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  recipient!: string | null;

  @Column({ type: 'varchar', length: 128 })
  type!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  actor!: string | null;

  /** The payload object as JSON text (at most 16 KiB). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  /** When a targeted notification was read; always null on broadcast rows. */
  @Column({ name: 'read_at', type: 'datetime', precision: 3, nullable: true })
  readAt!: Date | null;

  /**
   * Its number in its delivery stream (the recipient's, or the broadcast
   * stream): 1, 2, 3, ... in commit order (docs/delivery.md); null on rows
   * stored before streams existed. Never sent to clients.
   */
  @Column({
    type: 'bigint',
    nullable: true,
    transformer: { to: (value: number | null) => value, from: (value: string | number | null) => (value === null ? null : Number(value)) },
  })
  seq!: number | null;
}
