import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsRecordId } from '../common/record-id';
import { MAX_ROOM_TEXT, ROOM_NAME_PATTERN } from './room-name';

const ROOM_MESSAGE = { message: 'room must match ^[A-Za-z0-9_.-]{1,64}$' };

/** `data` of `room.join` and `room.leave`. */
export class RoomRefDto {
  /** Room name, `^[A-Za-z0-9_.-]{1,64}$`. */
  @IsString(ROOM_MESSAGE) @Matches(ROOM_NAME_PATTERN, ROOM_MESSAGE)
  room!: string;
}

/** Body of `POST /rooms/:room/messages`. */
export class PostRoomMessageDto {
  /** 1-4,000 characters, stored and shown as plain text. */
  @IsString() @Length(1, MAX_ROOM_TEXT)
  text!: string;
}

/** `data` of `room.send`. */
export class RoomSendDto extends RoomRefDto {
  /** 1-4,000 characters, stored and shown as plain text. */
  @IsString() @Length(1, MAX_ROOM_TEXT)
  text!: string;
}

/** Query of `GET /rooms/:room/messages`. */
export class RoomHistoryQueryDto {
  /** Page size, 1-100 (default 50). */
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt() @Min(1) @Max(100)
  limit?: number;

  /** Cursor: only messages with a smaller id (the previous page's `nextCursor`). */
  @IsOptional() @IsString() @IsRecordId({ message: 'before must be a message id' })
  before?: string;
}
