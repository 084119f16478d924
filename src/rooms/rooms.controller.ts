import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiErrorResponses } from '../common/error-response.dto';
import { RoomMessageView } from '../common/server-frame';
import { BEARER_SCHEME } from '../openapi/openapi';
import { RoomHistoryPageDto, RoomMessageDto } from './room-responses.dto';
import { RoomHistoryPage } from './room-message.view';
import { PostRoomMessageDto, RoomHistoryQueryDto } from './rooms.dto';
import { RoomsService } from './rooms.service';

/** The room REST rows (docs/rest.md). A bad room name is 400 (`room_invalid`). */
@ApiTags('rooms')
@ApiBearerAuth(BEARER_SCHEME)
@ApiParam({ name: 'room', description: 'room name, `^[A-Za-z0-9_.-]{1,64}$`', example: 'lobby' })
@ApiErrorResponses(400, 401, 429, 503)
@Controller('rooms/:room/messages')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  /** 201 RoomMessage, stored then pushed to the room's members as `room.message`. Roles `service` or `admin`. */
  @Post()
  @Roles('service', 'admin')
  @ApiOperation({ summary: 'Post to a room', description: 'Roles `service` or `admin`. Stored, then pushed to the room’s members as `room.message`.' })
  @ApiCreatedResponse({ type: RoomMessageDto })
  @ApiErrorResponses(403, 413)
  post(@CurrentPrincipal() caller: Principal, @Param('room') room: string, @Body() body: PostRoomMessageDto): Promise<RoomMessageView> {
    return this.rooms.postMessage(room, caller.sub, body.text);
  }

  /** 200 `{items, nextCursor}`: the room's messages, newest first. Any user. */
  @Get()
  @ApiOperation({ summary: "A room's history, newest first" })
  @ApiOkResponse({ type: RoomHistoryPageDto })
  history(@Param('room') room: string, @Query() query: RoomHistoryQueryDto): Promise<RoomHistoryPage> {
    return this.rooms.history(room, query.limit ?? 50, query.before ?? null);
  }
}
