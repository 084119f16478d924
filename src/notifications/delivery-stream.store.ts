/* eslint-disable @typescript-eslint/no-unnecessary-type-assertion -- TypeORM's query() returns any: the casts name the row shapes of this hand-written SQL */
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { Notification } from './notification.entity';

/** The `delivery_streams` key of the broadcast stream (no user id is empty). */
export const BROADCAST_STREAM = '';

/** Streams per allocation or mark statement, as `INSERT_CHUNK` bounds the notification INSERTs. */
const STREAM_CHUNK = 1_000;

/** One stream the publish sweep claimed: what it has stored and what is known published. */
export interface StaleStream {
  stream: string;
  lastSeq: number;
  publishedSeq: number;
}

/** Sequence numbers allocated for one targeted INSERT. */
export interface TargetedAllocation {
  /** One per recipient, in recipient order. */
  seqs: number[];
  /** The broadcast stream's newest number, read under a shared lock: no broadcast commits between it and this transaction. */
  after: number;
  /** With `mutedCategory`: the recipients who muted it, read by the same statement (see `allocateTargeted`); otherwise undefined. */
  mutedFor?: Set<string>;
}

/**
 * The delivery streams (`delivery_streams`, docs/delivery.md): one per
 * user, and one for broadcasts. Numbers are taken inside the inserting
 * transaction under the stream row's lock, so per stream they commit
 * densely and in order, and a rollback gives them back.
 *
 * Locks, always in this order so no two writers deadlock: the broadcast
 * row in share mode (targeted) or exclusively (broadcast), then the user
 * rows, sorted. A targeted and a broadcast transaction therefore never
 * overlap, which makes each socket's notifications (its user's and the
 * broadcasts) commit in id order. SQLite runs one writer at a time, which
 * is the same order trivially.
 */
@Injectable()
export class DeliveryStreamStore {
  constructor(@Inject(SQL_DIALECT) private readonly dialect: SqlDialect) {}

  /**
   * Takes the next number in each recipient's stream (a recipient listed
   * twice gets two). Run it in the inserting transaction, before the INSERT.
   *
   * With `mutedCategory` and one recipient, the statement that locks the
   * broadcast row also reads whether the recipient muted that category,
   * saving the mute lookup its round trip. The lock clause covers only the
   * outer table: the subquery is a consistent read that locks no
   * preference row, so `PUT /preferences` never waits for a POST (MariaDB
   * and MySQL 8 both; `inbox.e2e-spec.ts` holds a POST open and
   * shows it). Being the transaction's first consistent read, it also fixes
   * the transaction's snapshot before the user's stream lock, so a caller
   * whose later reads must see what the stream lock's previous holder
   * committed (the collapse) leaves it out.
   */
  async allocateTargeted(manager: EntityManager, recipients: readonly string[], now: number, mutedCategory?: string): Promise<TargetedAllocation> {
    const readMutes = mutedCategory !== undefined && recipients.length === 1;
    const rows = (await manager.query(
      readMutes
        ? `SELECT last_seq, EXISTS(SELECT 1 FROM notification_preferences WHERE user_id = ? AND category = ? AND muted = 1) AS muted
           FROM delivery_streams WHERE stream = ?${this.dialect.lockInShareMode}`
        : `SELECT last_seq FROM delivery_streams WHERE stream = ?${this.dialect.lockInShareMode}`,
      readMutes ? [recipients[0], mutedCategory, BROADCAST_STREAM] : [BROADCAST_STREAM],
    )) as Array<{ last_seq: string | number; muted?: string | number }>;
    const after = Number(rows[0]?.last_seq ?? 0);
    // No broadcast row (never after the migration) would hide the answer: then the caller reads mutes itself.
    const mutedFor = readMutes && rows.length > 0 ? new Set(Number(rows[0].muted) === 1 ? recipients : []) : undefined;
    const counts = new Map<string, number>();
    for (const recipient of recipients) counts.set(recipient, (counts.get(recipient) ?? 0) + 1);
    const streams = [...counts.keys()].sort();
    const last = new Map<string, number>();
    for (let start = 0; start < streams.length; start += STREAM_CHUNK) {
      const chunk = streams.slice(start, start + STREAM_CHUNK);
      const single = chunk.length === 1 && this.dialect.name === 'mysql';
      const parameters: unknown[] = [];
      for (const stream of chunk) parameters.push(stream, counts.get(stream), now);
      const values = chunk.map(() => '(?, ?, 0, ?)').join(', ');
      const result: unknown = await manager.query(
        this.dialect.name === 'mysql'
          ? `INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES ${values}
             ON DUPLICATE KEY UPDATE pending_since = COALESCE(pending_since, VALUES(pending_since)), last_seq = ${single ? 'LAST_INSERT_ID(last_seq + VALUES(last_seq))' : 'last_seq + VALUES(last_seq)'}`
          : `INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES ${values}
             ON CONFLICT(stream) DO UPDATE SET pending_since = COALESCE(pending_since, excluded.pending_since), last_seq = last_seq + excluded.last_seq`,
        parameters,
      );
      if (single) {
        // LAST_INSERT_ID(expr) reports the updated number; a new row reports 0 and holds exactly its count.
        const reported = Number((result as { insertId: number | string }).insertId);
        last.set(chunk[0], reported === 0 ? counts.get(chunk[0])! : reported);
        continue;
      }
      const read = (await manager.query(`SELECT stream, last_seq FROM delivery_streams WHERE stream IN (${chunk.map(() => '?').join(', ')})`, chunk)) as Array<{
        stream: string;
        last_seq: string | number;
      }>;
      for (const row of read) last.set(row.stream, Number(row.last_seq));
    }
    const used = new Map<string, number>();
    const seqs = recipients.map((recipient) => {
      const taken = used.get(recipient) ?? 0;
      used.set(recipient, taken + 1);
      return last.get(recipient)! - counts.get(recipient)! + 1 + taken;
    });
    return { seqs, after, mutedFor };
  }

  /** Takes the next number of the broadcast stream (locking its row exclusively until commit). */
  async allocateBroadcast(manager: EntityManager, now: number): Promise<number> {
    if (this.dialect.name === 'mysql') {
      const result = (await manager.query(
        'UPDATE delivery_streams SET pending_since = COALESCE(pending_since, ?), last_seq = LAST_INSERT_ID(last_seq + 1) WHERE stream = ?',
        [now, BROADCAST_STREAM],
      )) as { insertId: number | string };
      return Number(result.insertId);
    }
    await manager.query('UPDATE delivery_streams SET pending_since = COALESCE(pending_since, ?), last_seq = last_seq + 1 WHERE stream = ?', [
      now,
      BROADCAST_STREAM,
    ]);
    const rows = (await manager.query('SELECT last_seq FROM delivery_streams WHERE stream = ?', [BROADCAST_STREAM])) as Array<{ last_seq: string | number }>;
    return Number(rows[0].last_seq);
  }

  /**
   * Records that each stream's frames up to the given number were handed
   * to the broadcaster. A stream whose every stored number is published is
   * no longer pending; one that has newer numbers stays pending from `now`
   * (the publish sweep looks at it once that is old).
   */
  async markPublished(manager: EntityManager, marks: ReadonlyMap<string, number>, now: number): Promise<void> {
    // The broadcast row alone, so the statement that locks user rows never waits for it (see the lock order above).
    const streams = [...marks.keys()].filter((stream) => stream !== BROADCAST_STREAM).sort();
    const batches: string[][] = [];
    for (let start = 0; start < streams.length; start += STREAM_CHUNK) batches.push(streams.slice(start, start + STREAM_CHUNK));
    if (marks.has(BROADCAST_STREAM)) batches.push([BROADCAST_STREAM]);
    for (const batch of batches) {
      const parameters: unknown[] = [];
      for (const stream of batch) parameters.push(stream, marks.get(stream), now);
      const values = batch.map(() => '(?, 0, ?, ?)').join(', ');
      await manager.query(
        this.dialect.name === 'mysql'
          ? // Assignments run left to right: pending_since reads the old published_seq.
            `INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES ${values}
             ON DUPLICATE KEY UPDATE pending_since = IF(GREATEST(published_seq, VALUES(published_seq)) >= last_seq, NULL, VALUES(pending_since)),
             published_seq = GREATEST(published_seq, VALUES(published_seq))`
          : `INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES ${values}
             ON CONFLICT(stream) DO UPDATE SET pending_since = CASE WHEN MAX(published_seq, excluded.published_seq) >= last_seq THEN NULL ELSE excluded.pending_since END,
             published_seq = MAX(published_seq, excluded.published_seq)`,
        parameters,
      );
    }
  }

  /**
   * Claims up to `limit` streams pending since before `olderThan` (ms) for
   * this transaction, skipping streams another instance's sweep (or a
   * writer) holds right now, oldest first.
   */
  async claimStale(manager: EntityManager, olderThan: number, limit: number): Promise<StaleStream[]> {
    const rows = (await manager.query(
      `SELECT stream, last_seq, published_seq FROM delivery_streams WHERE pending_since < ? ORDER BY pending_since LIMIT ?${this.dialect.forUpdateSkipLocked}`,
      [olderThan, limit],
    )) as Array<{ stream: string; last_seq: string | number; published_seq: string | number }>;
    return rows.map((row) => ({ stream: row.stream, lastSeq: Number(row.last_seq), publishedSeq: Number(row.published_seq) }));
  }

  /** The stream's newest `count` rows (those numbered above what is known published), oldest first. */
  async newestRows(manager: EntityManager, stream: string, count: number): Promise<Notification[]> {
    const rows = await manager.getRepository(Notification).find({
      where: { recipient: stream === BROADCAST_STREAM ? IsNull() : stream },
      order: { id: 'DESC' },
      take: count,
    });
    return rows.reverse();
  }

  /** Marks a claimed stream published up to `lastSeq` and no longer pending. */
  async markSwept(manager: EntityManager, stream: string, lastSeq: number): Promise<void> {
    await manager.query('UPDATE delivery_streams SET published_seq = ?, pending_since = NULL WHERE stream = ? AND last_seq = ?', [lastSeq, stream, lastSeq]);
  }

  /** The newest numbers of the user's stream and of the broadcast stream (0 for a user never notified), in this transaction's snapshot. */
  async positions(manager: EntityManager, userId: string): Promise<{ targeted: number; broadcast: number }> {
    const rows = (await manager.query('SELECT stream, last_seq FROM delivery_streams WHERE stream IN (?, ?)', [userId, BROADCAST_STREAM])) as Array<{
      stream: string;
      last_seq: string | number;
    }>;
    const of = (stream: string) => Number(rows.find((row) => row.stream === stream)?.last_seq ?? 0);
    return { targeted: of(userId), broadcast: of(BROADCAST_STREAM) };
  }
}
