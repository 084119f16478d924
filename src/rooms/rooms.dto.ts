import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto';
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
  @ApiProperty({ minLength: 1, maxLength: MAX_ROOM_TEXT, example: 'hello' })
  @IsString() @Length(1, MAX_ROOM_TEXT)
  text!: string;
}

/** `data` of `room.send`. */
export class RoomSendDto extends RoomRefDto {
  /** 1-4,000 characters, stored and shown as plain text. */
  @ApiProperty({ minLength: 1, maxLength: MAX_ROOM_TEXT, example: 'hello' })
  @IsString() @Length(1, MAX_ROOM_TEXT)
  text!: string;
}

/** Query of `GET /rooms/:room/messages`: a page (`limit` defaults to 50) of the room's history. */
export class RoomHistoryQueryDto extends PageQueryDto {}
