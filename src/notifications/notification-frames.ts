import { encodeFrame, ServerEvent, silentNotificationFrame } from '../common/server-frame';
import { Notification } from './notification.entity';
import { toNotificationView } from './notification.view';

/** Stands in for the id while a frame template is built; JSON.stringify escapes it as `\u0000`. */
const ID_MARK = '\u0000';
const ESCAPED_ID_MARK = '\\u0000';

/**
 * Whether a row keeps its place in its stream without being pushed: muted
 * (its recipient mutes its category) or expired by `now`. The publisher,
 * the publish sweep and replays all apply this one rule.
 */
export function silentInStream(row: Notification, now: number): boolean {
  return row.muted || (row.expiresAt !== null && row.expiresAt.getTime() <= now);
}

/**
 * Encodes `notification` frames. The rows of one multi-recipient INSERT
 * differ only by id and recipient, so consecutive rows with the same
 * content reuse one template: the payload is parsed and serialized once
 * per batch rather than once per recipient.
 */
export class NotificationFrames {
  private key: string | null = null;
  private prefix = '';
  private suffix = '';

  /** The frame a stream carries for `row`: a silent one (`silentInStream`) or the full notification. */
  encodeForStream(row: Notification, now: number): string {
    if (!silentInStream(row, now)) return this.encode(row);
    return silentNotificationFrame(row.id, row.category, row.expiresAt !== null && row.expiresAt.getTime() <= now, row.replacesId ?? null);
  }

  encode(row: Notification): string {
    const key = JSON.stringify([
      row.type,
      row.actor,
      row.createdAt.getTime(),
      row.readAt?.getTime() ?? null,
      row.payload,
      row.title,
      row.body,
      row.url,
      row.category,
      row.severity,
      row.actions,
      row.expiresAt?.getTime() ?? null,
      row.collapseKey,
      row.replacesId,
    ]);
    if (key !== this.key) {
      const template = encodeFrame(ServerEvent.Notification, { ...toNotificationView(row), id: ID_MARK });
      const at = template.indexOf(ESCAPED_ID_MARK);
      this.prefix = template.slice(0, at);
      this.suffix = template.slice(at + ESCAPED_ID_MARK.length);
      this.key = key;
    }
    return this.prefix + row.id + this.suffix;
  }
}
