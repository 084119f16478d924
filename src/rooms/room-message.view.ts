import { RoomMessageView } from '../common/server-frame';
import { RoomMessage } from './room-message.entity';

/** One page of a room's history, newest first. */
export interface RoomHistoryPage {
  items: RoomMessageView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export function toRoomMessageView(row: RoomMessage): RoomMessageView {
  return { id: row.id, room: row.room, sender: row.sender, text: row.text, createdAt: row.createdAt.toISOString() };
}
