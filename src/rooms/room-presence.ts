/**
 * Who is in which room, across every instance of a deployment. Presence is
 * kept per socket (`connectionId`) and reported per user: a user is a
 * member while at least one of their sockets is in the room.
 */
export interface RoomPresence {
  /**
   * Records one socket of `user` in `room`.
   * @returns true when this is the user's first socket in the room (they just joined).
   */
  add(room: string, user: string, connectionId: string): Promise<boolean>;

  /**
   * Forgets one socket of `user` in `room`; a no-op when it was not recorded.
   * @returns true when the user has no socket left in the room (they just left).
   */
  remove(room: string, user: string, connectionId: string): Promise<boolean>;

  /** The distinct user ids present in the room, sorted. */
  members(room: string): Promise<string[]>;

  /**
   * Registers the one listener for changes that no `add` or `remove` call
   * reports: a user whose last socket in a room expired because its
   * instance died (`left`), or came back because its instance renewed
   * entries that others had already expired (`joined`). Each change is
   * reported once, on one instance of the deployment.
   */
  onChange(listener: PresenceListener): void;

  /** Forgets this instance's entries where they are shared, and releases the transport. Called once at shutdown. */
  close(): Promise<void>;
}

/** Receives the changes of `RoomPresence.onChange`. */
export type PresenceListener = (room: string, user: string, state: 'joined' | 'left') => void;

/** Injection token for the `RoomPresence` in use. */
export const ROOM_PRESENCE = Symbol('ROOM_PRESENCE');
