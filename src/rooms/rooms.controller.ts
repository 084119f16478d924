import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { RoomMessageView } from '../common/server-frame';
import { RoomHistoryPage } from './room-message.view';
import { PostRoomMessageDto, RoomHistoryQueryDto } from './rooms.dto';
import { RoomsService } from './rooms.service';

/** The room REST rows (docs/rest.md). A bad room name is 400 (`room_invalid`). */
@Controller('rooms/:room/messages')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  /** 201 RoomMessage, stored then pushed to the room's members as `room.message`. Roles `service` or `admin`. */
  @Post()
  @Roles('service', 'admin')
  post(@CurrentPrincipal() caller: Principal, @Param('room') room: string, @Body() body: PostRoomMessageDto): Promise<RoomMessageView> {
    return this.rooms.postMessage(room, caller.sub, body.text);
  }

  /** 200 `{items, nextCursor}`: the room's messages, newest first. Any user. */
  @Get()
  history(@Param('room') room: string, @Query() query: RoomHistoryQueryDto): Promise<RoomHistoryPage> {
    return this.rooms.history(room, query.limit ?? 50, query.before ?? null);
  }
}
