import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotificationView } from '../common/server-frame';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { DeliveryStreamStore } from './delivery-stream.store';
import { InboxFeedStore } from './inbox-feed.store';
import { silentInStream } from './notification-frames';
import { Notification } from './notification.entity';
import { NotificationStore } from './notification.store';
import { toNotificationView, UserState } from './notification.view';
import { StreamPosition } from './stream-frame';

/** Notifications in the newest page a truncated replay sends, as `GET /notifications?limit=` allows at most. */
const NEWEST_PAGE = 100;

/** Where a replay starts: the newest targeted id and the newest broadcast id the socket has (or a v1 `since` for both). */
export interface ReplayCursor {
  targeted: string;
  broadcast: string;
}

/** One replayed notification and its place in its stream (seq 0 for rows stored before streams existed). */
export interface ReplayItem {
  view: NotificationView;
  position: StreamPosition;
  /** Muted or expired: the socket takes its place in the stream but does not send it. */
  silent: boolean;
}

/** What a replay sends: oldest first. */
export interface ReplayPage {
  items: ReplayItem[];
  /** True when more than the limit were missed: `items` is only the newest page, page the REST feed for the rest. */
  truncated: boolean;
  /** The newest number of the user's stream and of the broadcast stream in the replay's snapshot (null when truncated). */
  positions: { targeted: number; broadcast: number } | null;
}

/**
 * The queries behind resume, catch-up and gap filling: what a socket
 * missed, read in one snapshot with the streams' newest numbers. Under the
 * stream locks a snapshot never holds a user's notification without every
 * one of that user's (and every broadcast) with a smaller id, so nothing
 * replayed can overtake something still uncommitted.
 */
@Injectable()
export class NotificationReplay {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly store: NotificationStore,
    private readonly streams: DeliveryStreamStore,
    private readonly feeds: InboxFeedStore,
    @Inject(SQL_DIALECT) private readonly dialect: SqlDialect,
  ) {}

  /**
   * The user's notifications after `cursor`, oldest first. More than
   * `limit` of them: only the newest page (up to 100, oldest first) and
   * `truncated`. The caller subscribes to the user's groups before calling
   * this, so everything committed after the snapshot arrives live.
   */
  async missedSince(userId: string, cursor: ReplayCursor, limit: number): Promise<ReplayPage> {
    return this.transactions.run(async (manager) => {
      // The first read fixes the snapshot: the positions and the rows agree.
      const positions = await this.streams.positions(manager, userId);
      const rows = await this.store.after(manager, userId, cursor.targeted, cursor.broadcast, limit + 1);
      if (rows.length <= limit) return { items: rows.map(({ row, readAt }) => item(row, readAt)), truncated: false, positions };
      // The inbox's own page: archived, deleted and expired rows left out as `GET /notifications` leaves them out.
      const newest = await this.feeds.feed(userId, { limit: NEWEST_PAGE, before: null, unread: false, unseen: false, archived: false }, new Date());
      return {
        items: newest
          .slice(0, NEWEST_PAGE)
          .map(({ row, state }) => item(row, state.readAt, state))
          .reverse(),
        truncated: true,
        positions: null,
      };
    });
  }

  /**
   * The newest committed numbers of the user's stream and of the broadcast
   * stream. On SQLite through the transaction queue: its one connection
   * would otherwise read a transaction still in progress, whose numbers a
   * rollback gives back.
   */
  positions(userId: string): Promise<{ targeted: number; broadcast: number }> {
    if (this.dialect.concurrentTransactions) return this.streams.positions(this.dataSource.manager, userId);
    return this.transactions.run((manager) => this.streams.positions(manager, userId));
  }

  /** The newest notification id stored: where sockets that never got one catch up from. */
  async newestId(): Promise<string> {
    const rows = await this.dataSource.query<Array<{ id: string | number | null }>>('SELECT MAX(id) AS id FROM notifications');
    return String(rows[0]?.id ?? 0);
  }
}

function item(row: Notification, readAt: Date | null, state?: UserState): ReplayItem {
  return {
    view: toNotificationView(row, readAt, state),
    position: { kind: row.recipient === null ? 'b' : 't', seq: row.seq ?? 0, after: 0 },
    silent: silentInStream(row, Date.now()),
  };
}
