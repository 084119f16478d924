/**
 * Group names. Every group name is made here, never by string
 * concatenation at a call site, so the naming scheme has one owner.
 */

/** Every socket of one user (`sub`). */
export function userGroup(userId: string): string {
  return `user:${userId}`;
}

/** Every authenticated socket. */
export function broadcastGroup(): string {
  return 'broadcast';
}

/** Every socket that joined one room (`room.join`). */
export function roomGroup(room: string): string {
  return `room:${room}`;
}
