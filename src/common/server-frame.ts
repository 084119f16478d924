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
  /** `{code, message}`. */
  Error: 'error',
} as const;

export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

/** Serializes one `{"event", "data"}` text frame. Call once per publish, never per socket. */
export function encodeFrame(event: ServerEventName, data: unknown): string {
  return JSON.stringify({ event, data });
}
