/**
 * The server-to-client half of the wire protocol of `GET /ws`
 * (docs/protocol.md): every event name, the shape of each event's `data`
 * (`ServerEventMap`), and the one function that turns an event into frame
 * text. `realtime/protocol.ts` re-exports these beside the rest of the
 * protocol; they live here because publishers (notifications, rooms) must
 * not import `realtime/`, and the payload shapes are the ones REST returns.
 */

/** A notification as REST and WebSocket clients see it. */
export interface NotificationView {
  /** Decimal BIGINT; grows with time; the paging and recovery cursor. */
  id: string;
  /** Application-defined kind, 1-128 characters. */
  type: string;
  /** Who caused it, or null. */
  actor: string | null;
  /** The JSON object the sender posted. */
  payload: Record<string, unknown>;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** ISO-8601 UTC, or null while unread. */
  readAt: string | null;
  /** Headline, plain text (1-200), or null. */
  title: string | null;
  /** Plain text (1-2,000), or null. */
  body: string | null;
  /** Where a click goes: an `http:`/`https:` URL or a path starting with `/`, or null. */
  url: string | null;
  /** `^[a-z0-9_.-]{1,64}$`, default `general`. */
  category: string;
  severity: 'low' | 'normal' | 'high' | 'critical';
  /** Up to two buttons. */
  actions: NotificationAction[];
  /** ISO-8601 UTC; after it the notification leaves feeds, counts and sockets. Null: never. */
  expiresAt: string | null;
  /** A newer notification with the same key for the same recipient replaces this one. */
  collapseKey: string | null;
  /** ISO-8601 UTC, or null while unseen. Marking read also marks seen. */
  seenAt: string | null;
  /** ISO-8601 UTC, or null unless archived. */
  archivedAt: string | null;
  /** The id of the older notification (same `collapseKey`) this one replaced; absent when it replaced none. */
  replaces?: string;
}

/** The inbox fields of a notification its sender gave none of, and nobody marked: for building views and test fixtures. */
export const PLAIN_INBOX_FIELDS: Readonly<Omit<NotificationView, 'id' | 'type' | 'actor' | 'payload' | 'createdAt' | 'readAt' | 'replaces'>> = {
  title: null,
  body: null,
  url: null,
  category: 'general',
  severity: 'normal',
  actions: [],
  expiresAt: null,
  collapseKey: null,
  seenAt: null,
  archivedAt: null,
};

/** A button on a notification. */
export interface NotificationAction {
  /** `^[a-z0-9_.-]{1,64}$`, unique within the notification. */
  id: string;
  /** Plain text, 1-40 characters. */
  label: string;
  /** As `NotificationView.url`; absent for a button the client handles itself. */
  url?: string;
}

/** Per-user unread and unseen numbers, as `GET /notifications/counts` returns and the `counts` frame carries. */
export interface NotificationCounts {
  /** Unread, not archived, not expired; muted categories left out (their `critical` ones still count). */
  unread: number;
  /** Unseen, likewise. */
  unseen: number;
  /** Every category with something unread, muted ones included. */
  byCategory: Record<string, { unread: number; unseen: number }>;
}

/** Which notifications a `notification.state` frame is about: listed ids, or the whole feed. */
export type NotificationSelection = { ids: string[] } | { all: true };

/** A room message as REST and WebSocket clients see it. */
export interface RoomMessageView {
  /** Decimal BIGINT; grows with time; the history cursor. */
  id: string;
  room: string;
  /** The poster's user id (`sub`). */
  sender: string;
  /** 1-4,000 characters of plain text. */
  text: string;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
}

/** Every server-to-client event and the type of its `data`. */
export interface ServerEventMap {
  /** Once the socket's groups are subscribed. */
  ready: { user: string };
  /** A Notification, as in `GET /notifications`. */
  notification: NotificationView;
  /** Read state changed on another device. */
  'notification.read': { ids: string[] } | { all: true };
  /** Read, seen or archived state changed (on any device); only the changed flags are present. */
  'notification.state': NotificationSelection & { read?: boolean; seen?: boolean; archived?: boolean };
  /** Notifications left the feed for good: deleted, withdrawn, expired or replaced-and-withdrawn. */
  'notification.deleted': { ids: string[] };
  /** The user's counts after a change, read from the database; at most one per 250 ms per socket. */
  counts: NotificationCounts;
  /** A RoomMessage, as in `GET /rooms/:room/messages`, to the room's members. */
  'room.message': RoomMessageView;
  /** The reply to `room.join`: history oldest first, members sorted. */
  'room.joined': { room: string; history: RoomMessageView[]; members: string[] };
  /** A user's first socket joined, or last socket left, the room. */
  'room.presence': { room: string; user: string; state: 'joined' | 'left' };
  /** A resume (`?since=` or `resume`) replayed `count` notifications; live ones follow. */
  resumed: { since: string; count: number };
  /** More than `limit` notifications were missed: only the newest page is replayed; page the REST feed for the rest. */
  resync: { since: string; limit: number };
  /**
   * The socket's token expires at `exp` (NumericDate seconds, as the claim),
   * 60 s from now or a third of the token's lifetime if that is shorter:
   * send `auth.refresh` with a fresh token, or the socket closes with 4401 at `exp`.
   */
  'auth.expiring': { exp: number };
  /** The reply to `auth.refresh`: the socket now closes at this `exp` (NumericDate seconds). */
  'auth.refreshed': { exp: number };
  /** A frame or action was refused (`ErrorCode` in realtime/protocol.ts); the socket stays open. */
  error: { code: string; message: string };
}

/** Every server-to-client event name. */
export type ServerEventName = keyof ServerEventMap;

/** A server frame of one event, as it travels: `{"event", "data"}`. */
export type ServerFrame<E extends ServerEventName = ServerEventName> = { [K in E]: { event: K; data: ServerEventMap[K] } }[E];

/** Server event names by role, for call sites; the map above is the source of their payloads. */
export const ServerEvent = {
  Ready: 'ready',
  Notification: 'notification',
  NotificationRead: 'notification.read',
  NotificationState: 'notification.state',
  NotificationDeleted: 'notification.deleted',
  Counts: 'counts',
  RoomMessage: 'room.message',
  RoomJoined: 'room.joined',
  RoomPresence: 'room.presence',
  Resumed: 'resumed',
  Resync: 'resync',
  AuthExpiring: 'auth.expiring',
  AuthRefreshed: 'auth.refreshed',
  Error: 'error',
} as const satisfies Record<string, ServerEventName>;

/** Fails to compile when an event of the map has no name in `ServerEvent`. */
export type EveryServerEventNamed = Exclude<ServerEventName, (typeof ServerEvent)[keyof typeof ServerEvent]> extends never ? true : never;
const everyServerEventNamed: EveryServerEventNamed = true;
void everyServerEventNamed;

/** Serializes one `{"event", "data"}` text frame. Call once per publish, never per socket. */
export function encodeFrame<E extends ServerEventName>(event: E, data: ServerEventMap[E]): string {
  return JSON.stringify({ event, data });
}

const NOTIFICATION_PREFIX = Buffer.from('{"event":"notification","data":{"id":"');
let lastFrame: Buffer | null = null;
let lastId: string | null = null;

/**
 * The id of a `notification` frame built by `encodeFrame` or
 * `NotificationFrames` (whose `data` starts with `id`: a NotificationView
 * lists it first; notification-frames.spec.ts checks the round trip), or
 * null for any other frame. Fan-out hands one Buffer to every socket in
 * turn, so the last answer is remembered.
 */
export function notificationIdOf(frame: Buffer): string | null {
  if (frame === lastFrame) return lastId;
  let id: string | null = null;
  if (frame.length > NOTIFICATION_PREFIX.length && frame.compare(NOTIFICATION_PREFIX, 0, NOTIFICATION_PREFIX.length, 0, NOTIFICATION_PREFIX.length) === 0) {
    const end = frame.indexOf(0x22, NOTIFICATION_PREFIX.length);
    if (end > 0) id = frame.toString('latin1', NOTIFICATION_PREFIX.length, end);
  }
  lastFrame = frame;
  lastId = id;
  return id;
}

/**
 * An internal frame published to a user's group when something changed
 * the user's counts without a frame of its own (a preference, a muted
 * notification stored). Sockets never send it on: they refresh their
 * `counts` from the database instead (realtime/live-counts.ts).
 */
export const COUNTS_CHANGED_FRAME = '{"event":"counts.changed"}';
const COUNTS_CHANGED = Buffer.from(COUNTS_CHANGED_FRAME);
/** Internal, like `COUNTS_CHANGED_FRAME`: the user changed a preference; sockets reload their muted categories, then their counts. */
export const PREFERENCES_CHANGED_FRAME = '{"event":"preferences.changed"}';
const PREFERENCES_CHANGED = Buffer.from(PREFERENCES_CHANGED_FRAME);
/** Every event whose name starts so (`notification`, `notification.read`, `.state`, `.deleted`) changes the user's counts. */
const NOTIFICATION_EVENT_PREFIX = Buffer.from('{"event":"notification');

/**
 * What a group frame means for the socket's `counts`: `internal` (refresh,
 * do not send on), `preferences` (reload the muted categories, refresh, do
 * not send on), `changed` (send, then refresh), or null.
 */
export function countsEffectOf(frame: Buffer): 'internal' | 'preferences' | 'changed' | null {
  if (frame.length === COUNTS_CHANGED.length && frame.equals(COUNTS_CHANGED)) return 'internal';
  if (frame.length === PREFERENCES_CHANGED.length && frame.equals(PREFERENCES_CHANGED)) return 'preferences';
  const prefix = NOTIFICATION_EVENT_PREFIX.length;
  return frame.length > prefix && frame.compare(NOTIFICATION_EVENT_PREFIX, 0, prefix, 0, prefix) === 0 ? 'changed' : null;
}

/** What a `notification` frame changes in its user's counts (`countsKeyOf`). */
export interface CountsKey {
  category: string;
  critical: boolean;
  /** ms since the epoch, or null. */
  expiresAt: number | null;
  /** It replaced an older notification (collapse), whose state the frame does not carry. */
  replaces: boolean;
}

let lastKeyFrame: Buffer | null = null;
/** The last parsed frame from the end of its id on: the rows of one multi-recipient POST differ only before it. */
let lastKeyRest: Buffer | null = null;
let lastKey: CountsKey | null = null;

/**
 * The fields of a `notification` frame that decide the counts and the
 * mutes. Parsed once per shared frame buffer (fan-out hands the same
 * Buffer to every socket), and once per run of frames that differ only
 * by id (a multi-recipient POST).
 */
export function countsKeyOf(frame: Buffer): CountsKey {
  if (frame === lastKeyFrame) return lastKey!;
  const prefixed =
    frame.length > NOTIFICATION_PREFIX.length && frame.compare(NOTIFICATION_PREFIX, 0, NOTIFICATION_PREFIX.length, 0, NOTIFICATION_PREFIX.length) === 0;
  const idEnd = prefixed ? frame.indexOf(0x22, NOTIFICATION_PREFIX.length) : -1;
  const rest = idEnd > 0 ? frame.subarray(idEnd) : null;
  if (rest === null || lastKeyRest === null || !rest.equals(lastKeyRest)) {
    const data = (JSON.parse(frame.toString('utf8')) as { data?: Partial<NotificationView> & { expired?: boolean } }).data ?? {};
    lastKey = {
      category: data.category ?? 'general',
      critical: data.severity === 'critical',
      // A silent frame says `expired` instead of the time.
      expiresAt: data.expired === true ? 0 : typeof data.expiresAt === 'string' ? Date.parse(data.expiresAt) : null,
      replaces: data.replaces !== undefined,
    };
  }
  lastKeyFrame = frame;
  lastKeyRest = rest;
  return lastKey!;
}

/**
 * Whether a `notification` frame is in one of `muted` and not `critical`:
 * a broadcast is one row for everyone, so a user's mutes are applied to it
 * on their sockets. Only sockets with mutes ask.
 */
export function mutedOut(frame: Buffer, muted: ReadonlySet<string>): boolean {
  const key = countsKeyOf(frame);
  return !key.critical && muted.has(key.category);
}

/** The end of a silent notification frame (`silentNotificationFrame`). */
const SILENT_SUFFIX = Buffer.from('","silent":true}}');

/**
 * A `notification` frame that holds only what the counts need of a
 * notification stored but not to be pushed (its recipient muted its
 * category, or it expired): it keeps the socket's delivery stream gapless
 * (docs/delivery.md), lets the socket add it to its counts (a muted one
 * counts in its category; an expired one nowhere), and the socket never
 * sends it on (`isSilentNotification`). A collapse says what it
 * `replaces`, so the socket reads its counts instead. The id comes first, as in every
 * notification frame (`notificationIdOf`).
 */
export function silentNotificationFrame(id: string, category: string, expired: boolean, replaces: string | null = null): string {
  // `replaces` (a collapse): only a read can tell what the older notification counted.
  const replaced = replaces === null ? '' : `,"replaces":${JSON.stringify(replaces)}`;
  return `{"event":"notification","data":{"id":"${id}","expired":${expired},"category":${JSON.stringify(category)}${replaced},"silent":true}}`;
}

/** Whether a `notification` frame is a silent one. */
export function isSilentNotification(frame: Buffer): boolean {
  return frame.length > SILENT_SUFFIX.length && frame.compare(SILENT_SUFFIX, 0, SILENT_SUFFIX.length, frame.length - SILENT_SUFFIX.length) === 0;
}
