import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import { NotificationCounts } from '../common/server-frame';
import { BroadcastRead } from './broadcast-read.entity';
import { BroadcastState } from './broadcast-state.entity';
import { Notification, NotificationSeverity } from './notification.entity';
import { BROADCAST_STREAM } from './delivery-stream.store';
import { compareIdsDescending } from './notification.store';
import { UserState } from './notification.view';

/** The filters of `GET /notifications` (docs/api.md). */
export interface FeedFilter {
  limit: number;
  before: string | null;
  unread: boolean;
  unseen: boolean;
  /** true: only archived ones; false: archived ones left out. */
  archived: boolean;
  category?: string;
  severity?: NotificationSeverity;
}

/** One row of a user's inbox with that user's state. */
export interface InboxRow {
  row: Notification;
  state: UserState;
}

/** What the counts query returns per category and criticality. */
/** The user's counts, with what they are exact for (`InboxFeedStore.countsSnapshot`). */
export interface CountsSnapshot {
  counts: NotificationCounts;
  /** The user's muted categories, as the top-level numbers left them out. */
  muted: ReadonlySet<string>;
  /** The newest numbers of the user's and the broadcast stream: every notification numbered up to them is counted, none above. */
  positions: { targeted: number; broadcast: number };
}

/** One row of the counts statement: a count (`t` targeted, `b` broadcasts), a muted category (`m`), or a stream position (`p`, its number in `unread`). */
interface CountRow {
  kind: 't' | 'b' | 'm' | 'p';
  category: string;
  critical: number | string;
  unread: number | string;
  unseen: number | string;
}

/**
 * The inbox reads: the filtered feed and the exact counts. Targeted rows
 * carry their own state; a broadcast's state for one user is in
 * `broadcast_reads` (read) and `broadcast_states` (seen, archived,
 * deleted). Expired rows are left out at once (the purge deletes them
 * later). Every query is bound to one user; docs/inbox.md has the plans.
 */
@Injectable()
export class InboxFeedStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One page (`limit + 1` rows, to tell whether more follow), newest first. */
  async feed(userId: string, filter: FeedFilter, now: Date): Promise<InboxRow[]> {
    const targeted = this.scan(filter, now)
      .andWhere('n.recipient = :userId', { userId })
      .andWhere(filter.archived ? 'n.archived_at IS NOT NULL' : 'n.archived_at IS NULL');
    if (filter.unread || filter.unseen) targeted.andWhere('n.read_at IS NULL');
    // Read implies seen, so unseen rows are among the unread ones: the (recipient, read_at, id) index serves both.
    if (filter.unseen) targeted.andWhere('n.seen_at IS NULL');

    const broadcasts = this.scan(filter, now).andWhere('n.recipient IS NULL');
    const hidden = 'bs.deleted_at IS NOT NULL' + (filter.archived ? '' : ' OR bs.archived_at IS NOT NULL');
    broadcasts.andWhere(`NOT EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = n.id AND bs.user_id = :userId AND (${hidden}))`, { userId });
    if (filter.archived) {
      broadcasts.andWhere(
        'EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = n.id AND bs.user_id = :userId AND bs.archived_at IS NOT NULL)',
        {
          userId,
        },
      );
    }
    if (filter.unread || filter.unseen) {
      broadcasts.andWhere('NOT EXISTS (SELECT 1 FROM broadcast_reads br WHERE br.notification_id = n.id AND br.user_id = :userId)', { userId });
    }
    if (filter.unseen) {
      broadcasts.andWhere(
        'NOT EXISTS (SELECT 1 FROM broadcast_states bs WHERE bs.notification_id = n.id AND bs.user_id = :userId AND bs.seen_at IS NOT NULL)',
        {
          userId,
        },
      );
    }
    const [own, shared] = await Promise.all([targeted.getMany(), broadcasts.getMany()]);
    const states = await this.broadcastStates(
      userId,
      shared.map((row) => row.id),
    );
    return [
      ...own.map((row) => ({ row, state: { readAt: row.readAt, seenAt: row.seenAt, archivedAt: row.archivedAt } })),
      ...shared.map((row) => ({ row, state: states.get(row.id) ?? { readAt: null, seenAt: null, archivedAt: null } })),
    ]
      .sort((a, b) => compareIdsDescending(a.row.id, b.row.id))
      .slice(0, filter.limit + 1);
  }

  /**
   * Exact counts from the database: unread (and among them unseen, since
   * read implies seen), not archived, not expired, per category; the
   * top-level numbers leave out the user's muted categories except their
   * critical notifications. Read in one statement, so in one snapshot,
   * with the user's mutes and the newest numbers of the user's and the
   * broadcast delivery stream: the counts include exactly the
   * notifications numbered up to those positions (docs/inbox.md), which
   * lets a socket add later ones itself (`LiveCounts`). The targeted half
   * reads only `idx_notifications_counts`.
   *
   * Run it with `TransactionRunner.runStatement` (on SQLite a read must not
   * see a transaction in progress on the one connection).
   */
  async countsSnapshot(manager: EntityManager, userId: string, now: Date): Promise<CountsSnapshot> {
    const critical = "CASE WHEN n.severity = 'critical' THEN 1 ELSE 0 END";
    const live = '(n.expires_at IS NULL OR n.expires_at > :now)';
    // Each part keeps its own plan (docs/inbox.md); the literal `kind` tells the rows apart.
    const sql = [
      `SELECT 't' AS kind, n.category AS category, ${critical} AS critical, COUNT(*) AS unread, SUM(CASE WHEN n.seen_at IS NULL THEN 1 ELSE 0 END) AS unseen
       FROM notifications n WHERE n.recipient = :userId AND n.read_at IS NULL AND n.archived_at IS NULL AND ${live}
       GROUP BY n.category, ${critical}`,
      `SELECT 'b', n.category, ${critical}, COUNT(*), SUM(CASE WHEN bs.seen_at IS NULL THEN 1 ELSE 0 END)
       FROM notifications n LEFT JOIN broadcast_states bs ON bs.notification_id = n.id AND bs.user_id = :userId
       WHERE n.recipient IS NULL AND bs.archived_at IS NULL AND bs.deleted_at IS NULL AND ${live}
       AND NOT EXISTS (SELECT 1 FROM broadcast_reads br WHERE br.notification_id = n.id AND br.user_id = :userId)
       GROUP BY n.category, ${critical}`,
      `SELECT 'm', category, 0, 0, 0 FROM notification_preferences WHERE user_id = :userId AND muted = 1`,
      `SELECT 'p', stream, 0, last_seq, 0 FROM delivery_streams WHERE stream IN (:userId, :broadcastStream)`,
    ].join(' UNION ALL ');
    // The driver binds the named parameters as the query builder would (a Date as the dialect stores it).
    const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, { userId, now, broadcastStream: BROADCAST_STREAM }, {});
    const rows = await manager.query<CountRow[]>(query, parameters);
    const muted = new Set(rows.filter((row) => row.kind === 'm').map((row) => row.category));
    const counts: NotificationCounts = { unread: 0, unseen: 0, byCategory: {} };
    const positions = { targeted: 0, broadcast: 0 };
    for (const row of rows) {
      if (row.kind === 'm') continue;
      if (row.kind === 'p') {
        positions[row.category === BROADCAST_STREAM ? 'broadcast' : 'targeted'] = Number(row.unread);
        continue;
      }
      const unread = Number(row.unread);
      const unseen = Number(row.unseen);
      const category = (counts.byCategory[row.category] ??= { unread: 0, unseen: 0 });
      category.unread += unread;
      category.unseen += unseen;
      if (muted.has(row.category) && Number(row.critical) !== 1) continue;
      counts.unread += unread;
      counts.unseen += unseen;
    }
    return { counts, muted, positions };
  }

  /** Per-user state of the given broadcasts (absent: unread, unseen, not archived). */
  async broadcastStates(userId: string, ids: string[]): Promise<Map<string, UserState>> {
    const states = new Map<string, UserState>();
    if (ids.length === 0) return states;
    const [reads, marks] = await Promise.all([
      this.dataSource.getRepository(BroadcastRead).find({ where: { userId, notificationId: In(ids) } }),
      this.dataSource.getRepository(BroadcastState).find({ where: { userId, notificationId: In(ids) } }),
    ]);
    const of = (id: string) => states.get(id) ?? states.set(id, { readAt: null, seenAt: null, archivedAt: null }).get(id)!;
    for (const read of reads) of(read.notificationId).readAt = read.readAt;
    for (const mark of marks) Object.assign(of(mark.notificationId), { seenAt: mark.seenAt, archivedAt: mark.archivedAt });
    return states;
  }

  /** The part both halves of the feed share: not expired, the page, the category and severity filters. */
  private scan(filter: FeedFilter, now: Date): SelectQueryBuilder<Notification> {
    const scan = this.dataSource
      .getRepository(Notification)
      .createQueryBuilder('n')
      .where(new Brackets((where) => where.where('n.expires_at IS NULL').orWhere('n.expires_at > :now', { now })))
      .orderBy('n.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.before !== null) scan.andWhere('n.id < :before', { before: filter.before });
    if (filter.category !== undefined) scan.andWhere('n.category = :category', { category: filter.category });
    if (filter.severity !== undefined) scan.andWhere('n.severity = :severity', { severity: filter.severity });
    return scan;
  }
}
