import { ApiProperty } from '@nestjs/swagger';
import { NotificationView } from '../common/server-frame';
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
