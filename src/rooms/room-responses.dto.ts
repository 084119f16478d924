import { ApiProperty } from '@nestjs/swagger';
import { RoomMessageView } from '../common/server-frame';
import { RoomHistoryPage } from './room-message.view';
import { ROOM_NAME_PATTERN } from './room-name';

const ID = { pattern: '^[1-9][0-9]{0,18}$', example: '7' } as const;

/** A room message as REST (and the `room.message` frame) returns it. */
export class RoomMessageDto implements RoomMessageView {
  @ApiProperty(ID)
  id!: string;

  @ApiProperty({ pattern: ROOM_NAME_PATTERN.source, example: 'lobby' })
  room!: string;

  @ApiProperty({ description: "the poster's user id (`sub`)", example: 'alice' })
  sender!: string;

  @ApiProperty({ minLength: 1, maxLength: 4000, example: 'hello' })
  text!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** One page of a room's history, newest first. */
export class RoomHistoryPageDto implements RoomHistoryPage {
  @ApiProperty({ type: [RoomMessageDto] })
  items!: RoomMessageDto[];

  @ApiProperty({ type: String, nullable: true, ...ID, description: 'pass as `before` for the next (older) page; null on the last page' })
  nextCursor!: string | null;
}
