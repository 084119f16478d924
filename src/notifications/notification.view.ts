import { NotificationAction, NotificationView } from '../common/server-frame';
import { Notification } from './notification.entity';

/** One page of the feed, newest first. */
export interface FeedPage {
  items: NotificationView[];
  /** Pass as `before` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One user's state of one row: the row's own columns for targeted rows, `broadcast_reads`/`broadcast_states` for broadcasts. */
export interface UserState {
  readAt: Date | null;
  seenAt: Date | null;
  archivedAt: Date | null;
}

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

export function toNotificationView(row: Notification, readAt: Date | null = row.readAt, state: Omit<UserState, 'readAt'> = row): NotificationView {
  const view: NotificationView = {
    id: row.id,
    type: row.type,
    actor: row.actor,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    readAt: iso(readAt),
    title: row.title ?? null,
    body: row.body ?? null,
    url: row.url ?? null,
    category: row.category ?? 'general',
    severity: row.severity ?? 'normal',
    actions: row.actions ? (JSON.parse(row.actions) as NotificationAction[]) : [],
    expiresAt: iso(row.expiresAt ?? null),
    collapseKey: row.collapseKey ?? null,
    seenAt: iso(state.seenAt ?? null),
    archivedAt: iso(state.archivedAt ?? null),
  };
  if (row.replacesId) view.replaces = row.replacesId;
  return view;
}
