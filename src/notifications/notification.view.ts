import { Notification } from './notification.entity';

/** A notification as REST and WebSocket clients see it (`shared/api.md`). */
export interface NotificationView {
  /** Decimal BIGINT; grows with time; the paging and recovery cursor. */
  id: string;
  type: string;
  actor: string | null;
  payload: Record<string, unknown>;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** ISO-8601 UTC, or null while unread. */
  readAt: string | null;
}

/** One page of the feed, newest first. */
export interface FeedPage {
  items: NotificationView[];
  /** Pass as `before` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function toNotificationView(row: Notification, readAt: Date | null = row.readAt): NotificationView {
  return {
    id: row.id,
    type: row.type,
    actor: row.actor,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    readAt: readAt ? readAt.toISOString() : null,
  };
}
