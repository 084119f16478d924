/**
 * Server-to-client event names that features publish through the
 * `GroupBroadcaster`, and the one function that turns an event into frame
 * text. `realtime/protocol.ts` re-exports these beside the rest of the wire
 * protocol; they live here because publishers must not import `realtime/`.
 */
export const ServerEvent = {
  /** `{user}` once the socket's groups are subscribed. */
  Ready: 'ready',
  /** A Notification, as in `GET /notifications`. */
  Notification: 'notification',
  /** `{ids: string[]}` or `{all: true}`: read state changed on another device. */
  NotificationRead: 'notification.read',
  /** A RoomMessage, as in `GET /rooms/:room/messages`, to the room's members. */
  RoomMessage: 'room.message',
  /** `{room, history: RoomMessage[] (oldest first), members: string[]}`: the reply to `room.join`. */
  RoomJoined: 'room.joined',
  /** `{room, user, state: 'joined' | 'left'}`: a user's first socket joined, or last socket left, the room. */
  RoomPresence: 'room.presence',
  /** `{since, count}`: a resume (`?since=` or `resume`) replayed `count` notifications; live ones follow. */
  Resumed: 'resumed',
  /** `{since, limit}`: more than `limit` notifications were missed; only the newest page is replayed, page the REST feed for the rest. */
  Resync: 'resync',
  /**
   * `{exp}` (NumericDate seconds, as the claim): the socket's token expires
   * at `exp`, 60 s from now or a third of the token's lifetime if that is
   * shorter; send `auth.refresh` with a fresh token, or the socket closes
   * with 4401 at `exp`.
   */
  AuthExpiring: 'auth.expiring',
  /** `{exp}` (NumericDate seconds): the reply to `auth.refresh`; the socket now closes at this `exp`. */
  AuthRefreshed: 'auth.refreshed',
  /** `{code, message}`. */
  Error: 'error',
} as const;

export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

/** Serializes one `{"event", "data"}` text frame. Call once per publish, never per socket. */
export function encodeFrame(event: ServerEventName, data: unknown): string {
  return JSON.stringify({ event, data });
}

const NOTIFICATION_PREFIX = Buffer.from('{"event":"notification","data":{"id":"');
let lastFrame: Buffer | null = null;
let lastId: string | null = null;

/**
 * The id of a `notification` frame built by `encodeFrame` (whose `data`
 * starts with `id`), or null for any other frame. Fan-out hands one Buffer
 * to every socket in turn, so the last answer is remembered.
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
