import { BadRequestException, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import {
  BroadcastNotificationDto,
  CreateNotificationDto,
  FeedQueryDto,
  ID_PATTERN,
  IDEMPOTENCY_KEY_PATTERN,
} from './notifications.dto';
import { exactPayloadOf } from './exact-payload';
import { FeedPage } from './notification.view';
import { NotificationsService } from './notifications.service';

/**
 * The notification REST rows of `shared/api.md`. Every read and mark is
 * scoped to the caller's own feed; another user's id answers 404.
 */
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  /**
   * 201 `{ids}`, one per recipient in order. Roles `service` or `admin`.
   * `Idempotency-Key` (1-255 visible ASCII): a repeat within 24 h returns the
   * same ids with `Idempotent-Replayed: true`; a different body under the
   * same key is 422. The payload is stored as received (`exactPayloadOf`).
   */
  @Post()
  @Roles('service', 'admin')
  async create(
    @CurrentPrincipal() caller: Principal,
    @Body() body: CreateNotificationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ ids: string[] }> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const { recipients, ...input } = body;
    const result = await this.notifications.notifyUsers(caller.sub, recipients, { ...input, payload: exactPayloadOf(request) }, idempotencyKey);
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return { ids: result.ids };
  }

  /** 201 `{id}`: stored once, in every user's feed, delivered to every open socket. Role `admin`. */
  @Post('broadcast')
  @Roles('admin')
  async broadcast(@Body() body: BroadcastNotificationDto, @Req() request: Request): Promise<{ id: string }> {
    return { id: await this.notifications.broadcast({ ...body, payload: exactPayloadOf(request) }) };
  }

  /** 200 `{items, nextCursor}`: the caller's feed, newest first. */
  @Get()
  feed(@CurrentPrincipal() caller: Principal, @Query() query: FeedQueryDto): Promise<FeedPage> {
    return this.notifications.feed(caller.sub, query.limit ?? 20, query.before ?? null, query.unread ?? false);
  }

  /** 200 `{count}`: exact number of unread notifications in the caller's feed. */
  @Get('unread-count')
  async unreadCount(@CurrentPrincipal() caller: Principal): Promise<{ count: number }> {
    return { count: await this.notifications.unreadCount(caller.sub) };
  }

  /** 204: everything in the caller's feed is read; their sockets get `notification.read {all: true}`. */
  @Post('read-all')
  @HttpCode(204)
  async readAll(@CurrentPrincipal() caller: Principal): Promise<void> {
    await this.notifications.markAllRead(caller.sub);
  }

  /** 204; 404 for an unknown id or another user's; the caller's sockets get `notification.read {ids}`. */
  @Post(':id/read')
  @HttpCode(204)
  async read(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) throw new BadRequestException('id must be a notification id');
    await this.notifications.markRead(caller.sub, id);
  }
}
