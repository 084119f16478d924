import { Column, Entity, Generated, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/**
 * One stored notification. A targeted notification is one row per
 * recipient; a broadcast is a single row with `recipient` NULL whose
 * per-user read state lives in `BroadcastRead` (seen, archived and
 * deleted in `BroadcastState`). The inbox fields are docs/inbox.md's.
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

  /** Headline, plain text, 1-200 characters; null when not given. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  title!: string | null;

  /** Plain text, 1-2,000 characters; null when not given. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  /** Where a click goes: an `http(s):` URL or a path starting with `/`. */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  /** `^[a-z0-9_.-]{1,64}$`; drives tabs, counts and preferences. */
  @Column({ type: 'varchar', length: 64, default: 'general' })
  category!: string;

  @Column({ type: 'varchar', length: 8, default: 'normal' })
  severity!: NotificationSeverity;

  /** Up to two buttons as JSON text (`[{id, label, url?}]`), or null. */
  @Column({ type: 'text', nullable: true })
  actions!: string | null;

  /** After it the notification leaves feeds and counts and is purged; null for never. */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'collapse_key', type: 'varchar', length: 128, nullable: true })
  collapseKey!: string | null;

  /** The older notification (same collapse key and recipient) this one replaced. */
  @Column({ name: 'replaces_id', type: 'bigint', nullable: true, transformer: bigintIdTransformer })
  replacesId!: string | null;

  /** The recipient had muted the category when it was stored: never pushed live. */
  @Column({ type: 'boolean', default: false })
  muted!: boolean;

  /** When a targeted notification was seen (listed or marked); always null on broadcast rows. */
  @Column({ name: 'seen_at', type: 'datetime', precision: 3, nullable: true })
  seenAt!: Date | null;

  /** When a targeted notification was archived; always null on broadcast rows. */
  @Column({ name: 'archived_at', type: 'datetime', precision: 3, nullable: true })
  archivedAt!: Date | null;

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

/** How urgent a notification is; `critical` ignores mutes. */
export type NotificationSeverity = 'low' | 'normal' | 'high' | 'critical';
