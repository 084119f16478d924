import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error';

/** Every error the rooms feature raises, by stable code. */
export type RoomsErrorCode = 'room_invalid' | 'not_joined' | 'too_many_rooms';

/** Most rooms one socket may be in at once. */
export const MAX_ROOMS_PER_SOCKET = 100;

/** The REST status of each code; the compiler keeps it exhaustive. */
const HTTP_STATUS: Record<RoomsErrorCode, HttpStatus> = {
  room_invalid: HttpStatus.BAD_REQUEST,
  not_joined: HttpStatus.FORBIDDEN,
  too_many_rooms: HttpStatus.TOO_MANY_REQUESTS,
};

export class RoomsError extends DomainError<RoomsErrorCode> {
  private constructor(code: RoomsErrorCode, message: string) {
    super(code, message, HTTP_STATUS[code]);
  }

  /** The room name breaks `^[A-Za-z0-9_.-]{1,64}$`. */
  static invalidRoom(): RoomsError {
    return new RoomsError('room_invalid', 'room must match ^[A-Za-z0-9_.-]{1,64}$');
  }

  /** `room.join` on a socket already in `MAX_ROOMS_PER_SOCKET` rooms. */
  static tooManyRooms(): RoomsError {
    return new RoomsError('too_many_rooms', `a socket may be in at most ${MAX_ROOMS_PER_SOCKET} rooms`);
  }

  /** `room.send` on a socket that has not joined the room. */
  static notJoined(room: string): RoomsError {
    return new RoomsError('not_joined', `join room ${room} before sending to it`);
  }
}
