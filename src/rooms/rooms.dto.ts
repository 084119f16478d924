import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, ValidateBy } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto';
import { MAX_ROOM_TEXT, ROOM_NAME_PATTERN } from './room-name';

const ROOM_MESSAGE = { message: 'room must match ^[A-Za-z0-9_.-]{1,64}$' };

/**
 * Text must be well-formed Unicode: a lone surrogate would be stored as
 * U+FFFD, so the message read back would not be the one sent.
 */
const IsWellFormedText = (): PropertyDecorator =>
  ValidateBy({
    name: 'isWellFormedText',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !/\p{Cs}/u.test(value),
      defaultMessage: () => '$property must be well-formed Unicode (no lone surrogates)',
    },
  });

/** `data` of `room.join` and `room.leave`. */
export class RoomRefDto {
  /** Room name, `^[A-Za-z0-9_.-]{1,64}$`. */
  @IsString(ROOM_MESSAGE)
  @Matches(ROOM_NAME_PATTERN, ROOM_MESSAGE)
  room!: string;
}

/** Body of `POST /rooms/:room/messages`. */
export class PostRoomMessageDto {
  /** 1-4,000 characters of well-formed Unicode, stored and shown as plain text. */
  @ApiProperty({ minLength: 1, maxLength: MAX_ROOM_TEXT, example: 'hello' })
  @IsString()
  @Length(1, MAX_ROOM_TEXT)
  @IsWellFormedText()
  text!: string;
}

/** `data` of `room.send`. */
export class RoomSendDto extends RoomRefDto {
  /** 1-4,000 characters of well-formed Unicode, stored and shown as plain text. */
  @ApiProperty({ minLength: 1, maxLength: MAX_ROOM_TEXT, example: 'hello' })
  @IsString()
  @Length(1, MAX_ROOM_TEXT)
  @IsWellFormedText()
  text!: string;
}

/** Query of `GET /rooms/:room/messages`: a page (`limit` defaults to 50) of the room's history. */
export class RoomHistoryQueryDto extends PageQueryDto {}
