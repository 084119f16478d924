/* eslint-disable @typescript-eslint/no-unnecessary-type-assertion -- TypeORM's query() returns any: the casts name the row shapes of this hand-written SQL */
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { Notification } from './notification.entity';

/** The cursor row of the notification stream in `outbox_cursors`. */
const STREAM = 'notifications';

/**
 * The outbox of the notification stream. The `notifications` table is its
 * own outbox: a row becomes visible to the relay when the transaction (or
 * the single autocommit INSERT) that stored it commits, and ids only grow,
 * so the relay's state is one cursor, `outbox_cursors.position` of stream
 * `notifications`: the newest id published. Holding that row's lock is how
 * instances take turns relaying.
 */
@Injectable()
export class OutboxStore {
  /** Column metadata of the relayed columns after `id` (every column the frame carries), for hydrating raw rows. */
  private readonly columns: ColumnMetadata[];
  /** `id` and those columns, for the SELECT. */
  private readonly relayColumns: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    @Inject(SQL_DIALECT) private readonly dialect: SqlDialect,
  ) {
    const metadata = dataSource.getMetadata(Notification);
    this.columns = metadata.columns.filter((column) => column.propertyName !== 'id');
    this.relayColumns = ['id', ...this.columns.map((column) => column.databaseName)].join(', ');
  }

  /**
   * Locks the stream's cursor row for this transaction and returns its
   * position (the newest notification id relayed), or null when another
   * instance holds it right now (`FOR UPDATE SKIP LOCKED`, so nobody waits).
   * SQLite has one writer at a time, so there a plain read is the lock.
   */
  async lockCursor(manager: EntityManager): Promise<bigint | null> {
    const rows = (await manager.query(`SELECT position FROM outbox_cursors WHERE stream = ?${this.dialect.forUpdateSkipLocked}`, [STREAM])) as Array<{
      position: string | number;
    }>;
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
      (await manager.query(`SELECT position FROM outbox_cursors WHERE stream = ?${this.dialect.lockInShareMode}`, [STREAM])) as Array<{
        position: string | number;
      }>;
    const rows = this.dialect.concurrentTransactions ? await read(this.dataSource.manager) : await this.transactions.run(read);
    return String(rows[0]?.position ?? 0);
  }

  async moveCursor(manager: EntityManager, position: bigint): Promise<void> {
    await manager.query('UPDATE outbox_cursors SET position = ? WHERE stream = ?', [position.toString(), STREAM]);
  }

  /**
   * The committed rows above `after` visible to this transaction, in id
   * order, at most `limit`. One primary-key range read in plain SQL: this
   * is the relay's hot path, so it skips the query builder and hydrates
   * only the columns of `Notification`.
   */
  async rowsAfter(manager: EntityManager, after: bigint, limit: number): Promise<Notification[]> {
    const raw = (await manager.query(`SELECT ${this.relayColumns} FROM notifications WHERE id > ? ORDER BY id LIMIT ?`, [after.toString(), limit])) as Array<
      Record<string, unknown>
    >;
    const driver = this.dataSource.driver;
    return raw.map((values) => {
      const row = Object.assign(new Notification(), { id: String(values.id) }) as unknown as Record<string, unknown>;
      for (const column of this.columns) {
        const value: unknown = driver.prepareHydratedValue(values[column.databaseName], column);
        // prepareHydratedValue skips transformers (the bigint id one turns SQLite numbers into strings).
        row[column.propertyName] = column.transformer && !Array.isArray(column.transformer) ? column.transformer.from(value) : value;
      }
      return row as unknown as Notification;
    });
  }

  /**
   * Whether any notification id strictly between `after` and `before` is
   * stored. On MySQL this is a locking read: it waits for transactions
   * still inserting ids in that range to commit or roll back.
   */
  async anyStoredBetween(manager: EntityManager, after: bigint, before: bigint): Promise<boolean> {
    const rows = (await manager.query(`SELECT id FROM notifications WHERE id > ? AND id < ?${this.dialect.lockInShareMode}`, [
      after.toString(),
      before.toString(),
    ])) as unknown[];
    return rows.length > 0;
  }
}
