import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In, SelectQueryBuilder } from 'typeorm';
import { NotificationCounts } from '../common/server-frame';
import { BroadcastRead } from './broadcast-read.entity';
import { BroadcastState } from './broadcast-state.entity';
import { Notification, NotificationSeverity } from './notification.entity';
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
interface CountRow {
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
   * top-level numbers leave out `muted` categories except their critical
   * notifications. The targeted half reads only `idx_notifications_counts`.
   */
  async counts(userId: string, muted: ReadonlySet<string>, now: Date): Promise<NotificationCounts> {
    const critical = "CASE WHEN n.severity = 'critical' THEN 1 ELSE 0 END";
    const targeted = this.dataSource
      .getRepository(Notification)
      .createQueryBuilder('n')
      .select('n.category', 'category')
      .addSelect(critical, 'critical')
      .addSelect('COUNT(*)', 'unread')
      .addSelect('SUM(CASE WHEN n.seen_at IS NULL THEN 1 ELSE 0 END)', 'unseen')
      .where('n.recipient = :userId AND n.read_at IS NULL AND n.archived_at IS NULL', { userId })
      .andWhere('(n.expires_at IS NULL OR n.expires_at > :now)', { now })
      .groupBy('n.category')
      .addGroupBy(critical);
    const broadcasts = this.dataSource
      .getRepository(Notification)
      .createQueryBuilder('n')
      .leftJoin(BroadcastState, 'bs', 'bs.notification_id = n.id AND bs.user_id = :userId', { userId })
      .select('n.category', 'category')
      .addSelect(critical, 'critical')
      .addSelect('COUNT(*)', 'unread')
      .addSelect('SUM(CASE WHEN bs.seen_at IS NULL THEN 1 ELSE 0 END)', 'unseen')
      .where('n.recipient IS NULL AND bs.archived_at IS NULL AND bs.deleted_at IS NULL')
      .andWhere('(n.expires_at IS NULL OR n.expires_at > :now)', { now })
      .andWhere('NOT EXISTS (SELECT 1 FROM broadcast_reads br WHERE br.notification_id = n.id AND br.user_id = :userId)', { userId })
      .groupBy('n.category')
      .addGroupBy(critical);
    const rows = [...(await targeted.getRawMany<CountRow>()), ...(await broadcasts.getRawMany<CountRow>())];
    const counts: NotificationCounts = { unread: 0, unseen: 0, byCategory: {} };
    for (const row of rows) {
      const unread = Number(row.unread);
      const unseen = Number(row.unseen);
      const category = (counts.byCategory[row.category] ??= { unread: 0, unseen: 0 });
      category.unread += unread;
      category.unseen += unseen;
      if (muted.has(row.category) && Number(row.critical) !== 1) continue;
      counts.unread += unread;
      counts.unseen += unseen;
    }
    return counts;
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
