import { RoomMessage } from './room-message.entity';

/** A room message as REST and WebSocket clients see it (`shared/api.md` RoomMessage). */
export interface RoomMessageView {
  /** Decimal BIGINT; grows with time; the history cursor. */
  id: string;
  room: string;
  /** The poster's user id (`sub`). */
  sender: string;
  text: string;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
}

/** One page of a room's history, newest first. */
export interface RoomHistoryPage {
  items: RoomMessageView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export function toRoomMessageView(row: RoomMessage): RoomMessageView {
  return { id: row.id, room: row.room, sender: row.sender, text: row.text, createdAt: row.createdAt.toISOString() };
}
