import { PresenceListener, RoomPresence } from './room-presence';

/** In-process presence for the embedded, single-instance deployment (no `REDIS_URL`); nothing expires. */
export class MemoryRoomPresence implements RoomPresence {
  /** room -> user -> that user's socket ids in the room. */
  private readonly rooms = new Map<string, Map<string, Set<string>>>();

  async add(room: string, user: string, connectionId: string): Promise<boolean> {
    let users = this.rooms.get(room);
    if (!users) this.rooms.set(room, (users = new Map<string, Set<string>>()));
    const sockets = users.get(user);
    if (sockets) {
      sockets.add(connectionId);
      return false;
    }
    users.set(user, new Set([connectionId]));
    return true;
  }

  async remove(room: string, user: string, connectionId: string): Promise<boolean> {
    const users = this.rooms.get(room);
    const sockets = users?.get(user);
    if (!users || !sockets || !sockets.delete(connectionId)) return false;
    if (sockets.size > 0) return false;
    users.delete(user);
    if (users.size === 0) this.rooms.delete(room);
    return true;
  }

  async members(room: string): Promise<string[]> {
    return [...(this.rooms.get(room)?.keys() ?? [])].sort();
  }

  /** Sockets live in this process: none can outlive it, so nothing changes unreported. */
  onChange(_listener: PresenceListener): void {}

  /** Nothing is shared beyond this process: nothing to release. */
  async close(): Promise<void> {}
}
