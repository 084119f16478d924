import { NotificationView } from '../common/server-frame';
import { Notification } from './notification.entity';

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
