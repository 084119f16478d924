import { BadRequestException, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiErrorResponses } from '../common/error-response.dto';
import { isRecordId } from '../common/record-id';
import { BEARER_SCHEME } from '../openapi/openapi';
import { BroadcastNotificationDto, CreateNotificationDto, FeedQueryDto, IDEMPOTENCY_KEY_PATTERN } from './notifications.dto';
import { exactPayloadOf } from './exact-payload';
import { FeedPageDto, NotificationIdDto, NotificationIdsDto, UnreadCountDto } from './notification-responses.dto';
import { FeedPage } from './notification.view';
import { InboxService } from './inbox.service';
import { NotificationsService } from './notifications.service';

/**
 * The notification REST rows (docs/rest.md). Every read and mark is
 * scoped to the caller's own feed; another user's id answers 404.
 */
@ApiTags('notifications')
@ApiBearerAuth(BEARER_SCHEME)
@ApiErrorResponses(401, 429, 503)
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly inbox: InboxService,
  ) {}

  /**
   * 201 `{ids}`, one per recipient in order. Roles `service` or `admin`.
   * `Idempotency-Key` (1-255 visible ASCII): a repeat within 24 h returns the
   * same ids with `Idempotent-Replayed: true`; a different body under the
   * same key is 422. The payload is stored as received (`exactPayloadOf`).
   */
  @Post()
  @Roles('service', 'admin')
  @ApiOperation({
    summary: 'Notify users',
    description: 'Roles `service` or `admin`. Stores one notification per recipient, then delivers each to its open sockets.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-255 visible ASCII characters; a repeat within 24 h returns the same ids with `Idempotent-Replayed: true`',
  })
  @ApiCreatedResponse({ type: NotificationIdsDto })
  @ApiErrorResponses(400, 403, 413, 422)
  async create(
    @CurrentPrincipal() caller: Principal,
    @Body() body: CreateNotificationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<{ ids: string[] }> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const { recipients, ...input } = body;
    const result = await this.notifications.notifyUsers(caller.sub, recipients, { ...input, payload: exactPayloadOf(request) }, idempotencyKey);
    if (result.replayed) response.header('Idempotent-Replayed', 'true');
    return { ids: result.ids };
  }

  /** 201 `{id}`: stored once, in every user's feed, delivered to every open socket. Role `admin`. */
  @Post('broadcast')
  @Roles('admin')
  @ApiOperation({ summary: 'Broadcast to every user', description: 'Role `admin`. Stored once; in every feed and on every open socket.' })
  @ApiCreatedResponse({ type: NotificationIdDto })
  @ApiErrorResponses(400, 403, 413)
  async broadcast(@Body() body: BroadcastNotificationDto, @Req() request: FastifyRequest): Promise<{ id: string }> {
    return { id: await this.notifications.broadcast({ ...body, payload: exactPayloadOf(request) }) };
  }

  /** 200 `{items, nextCursor}`: the caller's feed, newest first, filtered (archived ones left out unless `archived=true`). */
  @Get()
  @ApiOperation({
    summary: "The caller's feed, newest first",
    description: 'Archived ones are left out unless `archived=true` (then only they are listed); expired ones never appear.',
  })
  @ApiOkResponse({ type: FeedPageDto })
  @ApiErrorResponses(400)
  feed(@CurrentPrincipal() caller: Principal, @Query() query: FeedQueryDto): Promise<FeedPage> {
    return this.inbox.feed(caller.sub, {
      limit: query.limit ?? 20,
      before: query.before ?? null,
      unread: query.unread ?? false,
      unseen: query.unseen ?? false,
      archived: query.archived ?? false,
      category: query.category,
      severity: query.severity,
    });
  }

  /** 200 `{count}`: exact number of unread notifications in the caller's feed. */
  @Get('unread-count')
  @ApiOperation({ summary: "Unread notifications in the caller's feed (exact)" })
  @ApiOkResponse({ type: UnreadCountDto })
  async unreadCount(@CurrentPrincipal() caller: Principal): Promise<{ count: number }> {
    return { count: await this.notifications.unreadCount(caller.sub) };
  }

  /** 204: everything in the caller's feed is read; their sockets get `notification.read {all: true}`. */
  @Post('read-all')
  @HttpCode(204)
  @ApiOperation({ summary: "Mark the caller's whole feed read", description: 'Their sockets get `notification.read {all: true}`.' })
  @ApiNoContentResponse()
  async readAll(@CurrentPrincipal() caller: Principal): Promise<void> {
    await this.notifications.markAllRead(caller.sub);
  }

  /** 204; 404 for an unknown id or another user's; the caller's sockets get `notification.read {ids}`. */
  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark one notification read', description: 'The caller’s sockets get `notification.read {ids}`.' })
  @ApiParam({ name: 'id', description: 'a notification id', example: '42' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async read(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    if (!isRecordId(id)) throw new BadRequestException('id must be a notification id');
    await this.notifications.markRead(caller.sub, id);
  }
}
