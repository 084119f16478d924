import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { compareIds } from '../common/record-id';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { BroadcastRead } from './broadcast-read.entity';
import { InboxContent } from './inbox-content';
import { Notification } from './notification.entity';

/** Rows per multi-row INSERT; keeps statements well under max_allowed_packet. */
export const INSERT_CHUNK = 1_000;

/** What every stored notification carries besides its recipient. */
export interface NotificationContent extends InboxContent {
  type: string;
  actor: string | null;
  /** The payload already serialized as JSON text. */
  payload: string;
  createdAt: Date;
  /** Recipients who muted the category (stored, not pushed); see `InboxWrites`. */
  mutedFor?: ReadonlySet<string>;
  /** The older notification each recipient's (a broadcast's: key `''`) replaces under the collapse key. */
  replaces?: ReadonlyMap<string, string>;
}

/** One row of a user's feed with that user's read state. */
export interface FeedRow {
  row: Notification;
  readAt: Date | null;
}

/**
 * The notification tables: inserts, the feed (targeted rows and broadcasts
 * merged, newest first) and read state. Every read takes the user id and
 * only ever returns that user's rows and the broadcasts.
 */
@Injectable()
export class NotificationStore {
  private readonly createdAtColumn: ColumnMetadata;
  private readonly expiresAtColumn: ColumnMetadata;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) private readonly dialect: SqlDialect,
  ) {
    this.createdAtColumn = dataSource.getMetadata(Notification).findColumnWithPropertyName('createdAt')!;
    this.expiresAtColumn = dataSource.getMetadata(Notification).findColumnWithPropertyName('expiresAt')!;
  }

  /**
   * Inserts one row per recipient with multi-row INSERTs and returns the
   * ids in recipient order. Relies on one statement's auto-increment values
   * being consecutive: true for InnoDB multi-row VALUES inserts (whose row
   * count is known in advance) in every `innodb_autoinc_lock_mode`, and for
   * SQLite, which has a single writer. More than `INSERT_CHUNK` recipients
   * take several statements: run those in a transaction.
   */
  async insertTargeted(manager: EntityManager, recipients: readonly string[], content: NotificationContent, seqs: readonly number[]): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < recipients.length; start += INSERT_CHUNK) {
      const chunk = recipients.slice(start, start + INSERT_CHUNK);
      const first = await this.insertRows(manager, chunk, content, seqs.slice(start, start + INSERT_CHUNK));
      for (let i = 0; i < chunk.length; i++) ids.push((first + BigInt(i)).toString());
    }
    return ids;
  }

  /** Inserts a broadcast (one row, recipient NULL) with its broadcast stream number and returns its id. */
  async insertBroadcast(manager: EntityManager, content: NotificationContent, seq: number): Promise<string> {
    return (await this.insertRows(manager, [null], content, [seq])).toString();
  }

  /** One multi-row INSERT, in plain SQL (the hot path of every POST); `seqs[i]` is row i's stream number; returns the first id. */
  private async insertRows(
    manager: EntityManager,
    recipients: ReadonlyArray<string | null>,
    content: NotificationContent,
    seqs: readonly number[],
  ): Promise<bigint> {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- TypeORM's driver conversion returns any; it is the driver's own value for this column
    const createdAt = this.dataSource.driver.preparePersistentValue(content.createdAt, this.createdAtColumn);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- as above
    const expiresAt = content.expiresAt && this.dataSource.driver.preparePersistentValue(content.expiresAt, this.expiresAtColumn);
    const { title, body, url, category, severity, actions, collapseKey } = content;
    const parameters: unknown[] = [];
    recipients.forEach((recipient, i) => {
      const replaces = content.replaces?.get(recipient ?? '') ?? null;
      const muted = recipient !== null && content.mutedFor?.has(recipient) ? 1 : 0;
      parameters.push(
        recipient,
        content.type,
        content.actor,
        content.payload,
        createdAt,
        seqs[i],
        title,
        body,
        url,
        category,
        severity,
        actions,
        expiresAt,
        collapseKey,
        replaces,
        muted,
      );
    });
    const result: unknown = await manager.query(
      `INSERT INTO notifications (recipient, type, actor, payload, created_at, read_at, seq, title, body, url, category, severity, actions, expires_at, collapse_key, replaces_id, muted) VALUES ${Array(recipients.length).fill('(?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      parameters,
    );
    return this.dialect.firstInsertId(result, recipients.length);
  }

  /**
   * The user's targeted notifications with ids above `targetedAfter` and
   * the broadcasts with ids above `broadcastAfter`, merged oldest first, at
   * most `limit`: two range scans on (recipient, id). Run both in one
   * transaction (`manager`), so they read one snapshot: under the stream
   * locks (DeliveryStreamStore) a snapshot holds, of one user's
   * notifications, exactly those up to some id, none missing below it.
   */
  async after(manager: EntityManager, userId: string, targetedAfter: string, broadcastAfter: string, limit: number): Promise<FeedRow[]> {
    const scan = (recipient: string | null, after: string) =>
      manager
        .getRepository(Notification)
        .createQueryBuilder('n')
        .where(
          recipient === null
            ? // A broadcast the user deleted is gone from their inbox: a replay never brings it back.
              'n.recipient IS NULL AND NOT EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = n.id AND bs.user_id = :userId AND bs.deleted_at IS NOT NULL)'
            : 'n.recipient = :userId',
          { userId },
        )
        .andWhere('n.id > :after', { after })
        .orderBy('n.id', 'ASC')
        .limit(limit)
        .getMany();
    const own = await scan(userId, targetedAfter);
    const shared = await scan(null, broadcastAfter);
    const readAt = await this.broadcastReadTimes(
      userId,
      shared.map((row) => row.id),
    );
    return [...own.map((row) => ({ row, readAt: row.readAt })), ...shared.map((row) => ({ row, readAt: readAt.get(row.id) ?? null }))]
      .sort((a, b) => compareIds(a.row.id, b.row.id))
      .slice(0, limit);
  }

  /** Exact count of the user's unread targeted rows plus unread broadcasts. */
  async unreadCount(userId: string): Promise<number> {
    const [own, shared] = await Promise.all([
      this.dataSource.getRepository(Notification).count({ where: { recipient: userId, readAt: IsNull() } }),
      this.dataSource
        .getRepository(Notification)
        .createQueryBuilder('n')
        .where('n.recipient IS NULL')
        .andWhere('NOT EXISTS (SELECT 1 FROM broadcast_reads br WHERE br.notification_id = n.id AND br.user_id = :userId)', { userId })
        .getCount(),
    ]);
    return own + shared;
  }

  /** The row if it is the user's own or a broadcast; null otherwise (unknown or someone else's). */
  async findVisible(userId: string, id: string): Promise<Notification | null> {
    const row = await this.dataSource.getRepository(Notification).findOne({ where: { id } });
    if (!row || (row.recipient !== null && row.recipient !== userId)) return null;
    return row;
  }

  /**
   * Marks the user's own visible row read and seen: one statement, which
   * alone decides whether the row was unread (a concurrent mark-unread is
   * never missed). A row already read but never seen (read before seen
   * marks existed) gets its seen mark from a second statement.
   * @returns true when it was unread.
   */
  async markOwnRead(manager: EntityManager, userId: string, row: Notification, at: Date): Promise<boolean> {
    const own = (unmarked: 'read_at' | 'seen_at') =>
      manager
        .getRepository(Notification)
        .createQueryBuilder()
        .update()
        .where(`id = :id AND recipient = :userId AND ${unmarked} IS NULL`, { id: row.id, userId })
        .setParameter('at', at);
    const read = await own('read_at')
      .set({ readAt: () => ':at', seenAt: () => 'COALESCE(seen_at, :at)' })
      .execute();
    if ((read.affected ?? 0) > 0) return true;
    if (row.seenAt === null)
      await own('seen_at')
        .set({ seenAt: () => ':at' })
        .execute();
    return false;
  }

  /**
   * Marks one visible row read for the user.
   * @returns true when its state changed (it was unread).
   */
  async markRead(manager: EntityManager, userId: string, row: Notification, at: Date): Promise<boolean> {
    if (row.recipient !== null) {
      const result = await manager.getRepository(Notification).update({ id: row.id, recipient: userId, readAt: IsNull() }, { readAt: at });
      return (result.affected ?? 0) > 0;
    }
    const repository = manager.getRepository(BroadcastRead);
    if (await repository.exists({ where: { userId, notificationId: row.id } })) return false;
    await repository.createQueryBuilder().insert().values({ userId, notificationId: row.id, readAt: at }).orIgnore().execute();
    return true;
  }

  /** Marks every targeted row and every broadcast read for the user (run it in one transaction). */
  async markAllRead(manager: EntityManager, userId: string, at: Date): Promise<void> {
    await manager.getRepository(Notification).update({ recipient: userId, readAt: IsNull() }, { readAt: at });
    await manager.query(
      `INSERT INTO broadcast_reads (user_id, notification_id, read_at)
       SELECT ?, n.id, ? FROM notifications n
       WHERE n.recipient IS NULL
         AND NOT EXISTS (SELECT 1 FROM broadcast_reads br WHERE br.notification_id = n.id AND br.user_id = ?)`,
      [userId, this.dataSource.driver.preparePersistentValue(at, this.readAtColumn()), userId],
    );
  }

  private async broadcastReadTimes(userId: string, ids: string[]): Promise<Map<string, Date>> {
    if (ids.length === 0) return new Map();
    const reads = await this.dataSource.getRepository(BroadcastRead).find({ where: { userId, notificationId: In(ids) } });
    return new Map(reads.map((read) => [read.notificationId, read.readAt]));
  }

  private readAtColumn() {
    return this.dataSource.getMetadata(BroadcastRead).findColumnWithPropertyName('readAt')!;
  }
}

/** Orders decimal id strings newest first without losing BIGINT precision. */
export function compareIdsDescending(a: string, b: string): number {
  return compareIds(b, a);
}
