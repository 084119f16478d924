import { DEFAULT_CATEGORY } from '../common/category';
import { NotificationAction } from '../common/server-frame';
import { NotificationSeverity } from './notification.entity';

/** The inbox fields a sender may give (docs/api.md, "Inbox"); validated by `InboxContentDto`. */
export interface InboxInput {
  title?: string;
  body?: string;
  url?: string;
  category?: string;
  severity?: NotificationSeverity;
  actions?: NotificationAction[];
  /** ISO-8601, in the future. */
  expiresAt?: string;
  collapseKey?: string;
}

/** The same fields as stored: defaults applied, actions as JSON text. */
export interface InboxContent {
  title: string | null;
  body: string | null;
  url: string | null;
  category: string;
  severity: NotificationSeverity;
  actions: string | null;
  expiresAt: Date | null;
  collapseKey: string | null;
}

export function inboxContent(input: InboxInput): InboxContent {
  return {
    title: input.title ?? null,
    body: input.body ?? null,
    url: input.url ?? null,
    category: input.category ?? DEFAULT_CATEGORY,
    severity: input.severity ?? 'normal',
    actions:
      input.actions && input.actions.length > 0
        ? JSON.stringify(input.actions.map(({ id, label, url }) => (url === undefined ? { id, label } : { id, label, url })))
        : null,
    expiresAt: input.expiresAt === undefined ? null : new Date(input.expiresAt),
    collapseKey: input.collapseKey ?? null,
  };
}
