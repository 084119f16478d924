import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { NotificationCounts, NotificationView } from '../common/server-frame';
import { CATEGORY_PATTERN } from '../common/category';
import { NotificationActionDto, SEVERITIES } from './inbox-content.dto';
import { NotificationSeverity } from './notification.entity';
import { FeedPage } from './notification.view';

const ID = { pattern: '^[1-9][0-9]{0,18}$', example: '42' } as const;

/** A notification as REST (and the `notification` frame) returns it. */
export class NotificationDto implements NotificationView {
  /** Decimal BIGINT id; grows with time; the paging and resume cursor. */
  @ApiProperty({ ...ID, description: 'decimal BIGINT id; grows with time; the paging and resume cursor' })
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'comment.created' })
  type!: string;

  @ApiProperty({ type: String, nullable: true, minLength: 1, maxLength: 128, example: 'bob' })
  actor!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { post: 7 }, description: 'the JSON object the sender posted' })
  payload!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', description: 'ISO-8601 UTC with milliseconds' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null while unread' })
  readAt!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 200, description: 'headline, plain text' })
  title!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 2000, description: 'plain text' })
  body!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 2048, description: 'an http(s) URL or a path starting with /' })
  url!: string | null;

  @ApiProperty({ pattern: CATEGORY_PATTERN.source, example: 'general' })
  category!: string;

  @ApiProperty({ enum: SEVERITIES, example: 'normal' })
  severity!: NotificationSeverity;

  @ApiProperty({ type: [NotificationActionDto], maxItems: 2 })
  actions!: NotificationActionDto[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'leaves feeds, counts and sockets after it; null: never' })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 128 })
  collapseKey!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null while unseen; marking read also marks seen' })
  seenAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null unless archived' })
  archivedAt!: string | null;

  @ApiPropertyOptional({ ...ID, description: 'the older notification (same collapseKey) this one replaced' })
  replaces?: string;
}

/** One page of the caller's feed, newest first. */
export class FeedPageDto implements FeedPage {
  @ApiProperty({ type: [NotificationDto] })
  items!: NotificationDto[];

  @ApiProperty({ type: String, nullable: true, ...ID, description: 'pass as `before` for the next page; null on the last page' })
  nextCursor!: string | null;
}

/** Reply of `POST /notifications`. */
export class NotificationIdsDto {
  @ApiProperty({ type: [String], example: ['42', '43'], description: 'one id per recipient, in recipient order' })
  ids!: string[];
}

/** Reply of `POST /notifications/broadcast`. */
export class NotificationIdDto {
  @ApiProperty(ID)
  id!: string;
}

/** Reply of `GET /notifications/unread-count`. */
export class UnreadCountDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  count!: number;
}

/** Unread and unseen of one category. */
export class CategoryCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  unread!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  unseen!: number;
}

/** Reply of `GET /notifications/counts` and data of the `counts` frame. */
export class NotificationCountsDto implements NotificationCounts {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'unread, not archived, not expired; muted categories left out (their critical ones count)' })
  unread!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'unseen, likewise' })
  unseen!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(CategoryCountsDto) },
    description: 'every category with something unread, muted ones included',
    example: { comments: { unread: 2, unseen: 1 } },
  })
  byCategory!: Record<string, CategoryCountsDto>;
}

/** Reply of `POST /notifications/withdraw`. */
export class WithdrawnDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'notifications deleted' })
  withdrawn!: number;
}
