import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { Notification } from './notification.entity';
import { OutboxEntry } from './outbox-entry.entity';

/** The cursor row of the notification stream in `outbox_cursors`. */
const STREAM = 'notifications';

/** An inclusive range of notification ids. */
export interface IdRange {
  first: bigint;
  last: bigint;
}

/**
 * The outbox tables. Entries are appended inside the transaction that
 * stores the rows; the relay reads them, in id order, while holding the
 * stream's cursor row, which is how instances take turns relaying.
 */
@Injectable()
export class OutboxStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  private get mysql(): boolean {
    return this.dataSource.options.type === 'mysql';
  }

  /** Records that ids `first..last` were stored; call in the same transaction as the INSERT. */
  async append(manager: EntityManager, first: string, last: string, at: Date): Promise<void> {
    await manager.createQueryBuilder().insert().into(OutboxEntry).values({ firstId: first, lastId: last, createdAt: at }).updateEntity(false).execute();
  }

  /**
   * Locks the stream's cursor row for this transaction and returns its
   * position (the newest notification id relayed), or null when another
   * instance holds it right now (`FOR UPDATE SKIP LOCKED`, so nobody waits).
   * SQLite has one writer at a time, so there a plain read is the lock.
   */
  async lockCursor(manager: EntityManager): Promise<bigint | null> {
    const rows = (await manager.query(
      `SELECT position FROM outbox_cursors WHERE stream = ?${this.mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      [STREAM],
    )) as Array<{ position: string | number }>;
    return rows.length === 0 ? null : BigInt(rows[0].position);
  }

  /**
   * The newest notification id relayed so far. Every stored id up to it
   * has been published, in order; ids above it may still be waiting for an
   * earlier id to commit. A relay run publishes before it moves the cursor,
   * so this waits for the run in progress to commit (a shared lock on the
   * cursor row on MySQL, the transaction queue on SQLite): whatever it read
   * has been published by the time it returns.
   */
  async position(): Promise<string> {
    const read = async (manager: EntityManager) =>
      (await manager.query(`SELECT position FROM outbox_cursors WHERE stream = ?${this.mysql ? ' LOCK IN SHARE MODE' : ''}`, [STREAM])) as Array<{
        position: string | number;
      }>;
    const rows = this.mysql ? await read(this.dataSource.manager) : await this.transactions.run(read);
    return String(rows[0]?.position ?? 0);
  }

  async moveCursor(manager: EntityManager, position: bigint): Promise<void> {
    await manager.query('UPDATE outbox_cursors SET position = ? WHERE stream = ?', [position.toString(), STREAM]);
  }

  /** Entries not yet behind the cursor, by first id; at most `limit`. */
  async pending(manager: EntityManager, after: bigint, limit: number): Promise<OutboxEntry[]> {
    return manager
      .getRepository(OutboxEntry)
      .createQueryBuilder('e')
      .where('e.last_id > :after', { after: after.toString() })
      .orderBy('e.first_id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Entries wholly at or below `cursor` (committed after the relay moved past them); at most `limit`. */
  async behind(manager: EntityManager, cursor: bigint, limit: number): Promise<OutboxEntry[]> {
    return manager
      .getRepository(OutboxEntry)
      .createQueryBuilder('e')
      .where('e.last_id <= :cursor', { cursor: cursor.toString() })
      .orderBy('e.first_id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Whether an outbox entry starts strictly between `after` and `before`,
   * read past this transaction's snapshot (a locking read on MySQL).
   */
  async anyEntryBetween(manager: EntityManager, after: bigint, before: bigint): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT id FROM notification_outbox WHERE first_id > ? AND first_id < ?${this.mysql ? ' LOCK IN SHARE MODE' : ''}`,
      [after.toString(), before.toString()],
    )) as unknown[];
    return rows.length > 0;
  }

  async remove(manager: EntityManager, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await manager.getRepository(OutboxEntry).delete(entries.map((entry) => entry.id));
  }

  /**
   * Whether any notification id strictly between `after` and `before` is
   * stored. On MySQL this is a locking read: it waits for transactions
   * still inserting ids in that range to commit or roll back.
   */
  async anyStoredBetween(manager: EntityManager, after: bigint, before: bigint): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT id FROM notifications WHERE id > ? AND id < ?${this.mysql ? ' LOCK IN SHARE MODE' : ''}`,
      [after.toString(), before.toString()],
    )) as unknown[];
    return rows.length > 0;
  }

  /** The stored rows of the given id ranges, in id order. */
  async rowsIn(manager: EntityManager, ranges: readonly IdRange[]): Promise<Notification[]> {
    if (ranges.length === 0) return [];
    const query = manager.getRepository(Notification).createQueryBuilder('n').orderBy('n.id', 'ASC');
    const clauses = ranges.map((_, i) => `(n.id BETWEEN :first${i} AND :last${i})`);
    const parameters = Object.fromEntries(ranges.flatMap((range, i) => [[`first${i}`, range.first.toString()], [`last${i}`, range.last.toString()]]));
    return query.where(clauses.join(' OR '), parameters).getMany();
  }
}
