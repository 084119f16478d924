import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiErrorResponses } from '../common/error-response.dto';
import { isRecordId } from '../common/record-id';
import { NotificationCounts } from '../common/server-frame';
import { BEARER_SCHEME } from '../openapi/openapi';
import { CountsService } from './counts.service';
import { MarkSeenDto, WithdrawDto } from './inbox.dto';
import { InboxService } from './inbox.service';
import { CategoryCountsDto, NotificationCountsDto, WithdrawnDto } from './notification-responses.dto';
import { NotificationRemoval } from './notification-removal';

/**
 * The inbox REST rows (docs/api.md, "Inbox"): counts, seen, unread,
 * archive, delete and withdraw. Every mark is scoped to the caller's own
 * feed; another user's id answers 404. Each change reaches the caller's
 * sockets as `notification.state` or `notification.deleted`, then `counts`.
 */
@ApiTags('notifications')
@ApiBearerAuth(BEARER_SCHEME)
@ApiExtraModels(CategoryCountsDto)
@ApiErrorResponses(401, 429, 503)
@Controller('notifications')
export class InboxController {
  constructor(
    private readonly inbox: InboxService,
    private readonly countsService: CountsService,
    private readonly removal: NotificationRemoval,
  ) {}

  /** 200 `{unread, unseen, byCategory}`, exact, from the database. */
  @Get('counts')
  @ApiOperation({
    summary: "Unread and unseen in the caller's feed, per category",
    description: 'Exact; archived and expired left out; muted categories left out of the top-level numbers.',
  })
  @ApiOkResponse({ type: NotificationCountsDto })
  counts(@CurrentPrincipal() caller: Principal): Promise<NotificationCounts> {
    return this.countsService.counts(caller.sub);
  }

  /** 204: the listed notifications (the caller's; others are ignored), or all, are seen. */
  @Post('seen')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark notifications seen', description: 'Body `{ids}` (1-100; ids not the caller’s are ignored) or `{all: true}`.' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400)
  async seen(@CurrentPrincipal() caller: Principal, @Body() body: MarkSeenDto): Promise<void> {
    await this.inbox.markSeen(caller.sub, body.ids ?? null);
  }

  /** 204: archives everything the caller has read. */
  @Post('archive-read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive everything already read' })
  @ApiNoContentResponse()
  async archiveRead(@CurrentPrincipal() caller: Principal): Promise<void> {
    await this.inbox.archiveRead(caller.sub);
  }

  /** 200 `{withdrawn}`: deletes the notifications sent with the key, from every (or the listed) recipient's feed. */
  @Post('withdraw')
  @HttpCode(200)
  @Roles('service', 'admin')
  @ApiOperation({ summary: 'Withdraw notifications by collapse key', description: 'Roles `service` or `admin`. Their sockets get `notification.deleted`.' })
  @ApiOkResponse({ type: WithdrawnDto })
  @ApiErrorResponses(400, 403)
  async withdraw(@Body() body: WithdrawDto): Promise<WithdrawnDto> {
    return { withdrawn: await this.removal.withdraw(body.collapseKey, body.recipients) };
  }

  /** 204: unread again (seen stays). */
  @Post(':id/unread')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark one notification unread' })
  @ApiParam({ name: 'id', description: 'a notification id', example: '42' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async unread(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.inbox.markUnread(caller.sub, checkedId(id));
  }

  /** 204: archived (read and seen unchanged). */
  @Post(':id/archive')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive one notification' })
  @ApiParam({ name: 'id', description: 'a notification id', example: '42' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async archive(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.inbox.setArchived(caller.sub, checkedId(id), true);
  }

  /** 204: back in the feed. */
  @Post(':id/unarchive')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unarchive one notification' })
  @ApiParam({ name: 'id', description: 'a notification id', example: '42' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async unarchive(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.inbox.setArchived(caller.sub, checkedId(id), false);
  }

  /** 204: gone from the caller's feed for good (a broadcast: for the caller only). */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one notification from the feed', description: 'The caller’s sockets get `notification.deleted`.' })
  @ApiParam({ name: 'id', description: 'a notification id', example: '42' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async delete(@CurrentPrincipal() caller: Principal, @Param('id') id: string): Promise<void> {
    await this.inbox.delete(caller.sub, checkedId(id));
  }
}

function checkedId(id: string): string {
  if (!isRecordId(id)) throw new BadRequestException('id must be a notification id');
  return id;
}
