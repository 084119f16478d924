import { Injectable } from '@nestjs/common';
import { NotificationStore } from './notification.store';
import { NotificationView } from '../common/server-frame';
import { toNotificationView } from './notification.view';
import { OutboxStore } from './outbox.store';

/** Notifications in the newest page a truncated replay sends, as `GET /notifications?limit=` allows at most. */
const NEWEST_PAGE = 100;

/** What a replay sends: oldest first. */
export interface ReplayPage {
  items: NotificationView[];
  /** True when more than the limit were missed: `items` is only the newest page, page the REST feed for the rest. */
  truncated: boolean;
}

/**
 * The queries behind resume and catch-up: what a socket missed, bounded by
 * what the outbox relay has already published, so replayed and live
 * frames never overtake each other.
 */
@Injectable()
export class NotificationReplay {
  constructor(
    private readonly store: NotificationStore,
    private readonly outbox: OutboxStore,
  ) {}

  /**
   * The user's notifications with ids above `since`, oldest first. More
   * than `limit` of them: only the newest page (up to 100, oldest first)
   * and `truncated`.
   *
   * Only ids the relay has already published are returned: a larger id
   * that committed before a smaller one is held back by the relay, and
   * must reach the client live after the smaller one, not before it. The
   * caller subscribes to the user's groups before calling this, so every
   * id above the relay's position arrives live.
   */
  async missedSince(userId: string, since: string, limit: number): Promise<ReplayPage> {
    const upTo = await this.outbox.position();
    const rows = await this.store.between(userId, since, upTo, limit + 1);
    if (rows.length <= limit) return { items: rows.map(({ row, readAt }) => toNotificationView(row, readAt)), truncated: false };
    const newest = await this.store.feed(userId, NEWEST_PAGE, (BigInt(upTo) + 1n).toString(), false);
    return {
      items: newest
        .slice(0, NEWEST_PAGE)
        .map(({ row, readAt }) => toNotificationView(row, readAt))
        .reverse(),
      truncated: true,
    };
  }

  /** The newest notification id the relay has published (see `OutboxStore.position`). */
  relayedPosition(): Promise<string> {
    return this.outbox.position();
  }
}
