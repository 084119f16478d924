import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto';
import { IsUserId } from '../common/user-id';
import { CATEGORY_PATTERN } from '../common/category';
import { InboxContentDto, SEVERITIES } from './inbox-content.dto';
import { NotificationSeverity } from './notification.entity';

/** Largest payload, in bytes of its JSON text. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/**
 * Most levels of arrays and objects in a payload, itself included (`{}` is
 * one): deeper ones would overflow the stack of whatever walks them. The
 * body parser enforces it, one level more for the body around the payload.
 */
export const MAX_PAYLOAD_DEPTH = 32;
/** Most recipients in one `POST /notifications`. */
export const MAX_RECIPIENTS = 10_000;

function JsonSizeAtMost(bytes: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'jsonSizeAtMost',
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= bytes,
        defaultMessage: () => `$property must be at most ${bytes} bytes as JSON`,
      },
    },
    options,
  );
}

/** Fields shared by targeted and broadcast notifications. */
export class NotificationContentDto extends InboxContentDto {
  /** Application-defined kind, e.g. `comment.created`; 1-128 characters, held to the user id rule (`isUserId`). */
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'comment.created' })
  @IsUserId()
  type!: string;

  /** Who caused it (a user id or service name), a user id (`isUserId`); null or absent for none. */
  @ApiPropertyOptional({ type: String, nullable: true, minLength: 1, maxLength: 128, example: 'bob' })
  @IsOptional()
  @IsUserId()
  actor?: string | null;

  /** Any JSON object, at most 16 KiB as JSON; defaults to `{}`. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'any JSON object, at most 16 KiB as JSON; default `{}`',
    example: { post: 7 },
  })
  @IsOptional()
  @IsObject()
  @JsonSizeAtMost(MAX_PAYLOAD_BYTES)
  payload?: Record<string, unknown>;
}

/** Body of `POST /notifications`. */
export class CreateNotificationDto extends NotificationContentDto {
  /** User ids (`sub`, `isUserId`), 1-10,000, unique. One notification is stored per recipient. */
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_RECIPIENTS, uniqueItems: true, example: ['alice', 'bob'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RECIPIENTS)
  @ArrayUnique()
  @IsUserId({ each: true })
  recipients!: string[];
}

/** Body of `POST /notifications/broadcast`. */
export class BroadcastNotificationDto extends NotificationContentDto {}

/** `?flag=true|false` as a boolean. */
const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** Query of `GET /notifications`: a page (`limit` defaults to 20) of the caller's feed. */
export class FeedQueryDto extends PageQueryDto {
  /** `true` for unread notifications only. */
  @ApiPropertyOptional({ type: Boolean, description: '`true` for unread notifications only' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  unread?: boolean;

  /** `true` for unseen notifications only. */
  @ApiPropertyOptional({ type: Boolean, description: '`true` for unseen notifications only' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  unseen?: boolean;

  /** `true`: only archived ones; `false` (the default): archived ones are left out. */
  @ApiPropertyOptional({ type: Boolean, default: false, description: '`true`: only archived ones; `false` (default): archived ones are left out' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  archived?: boolean;

  /** Only this category (muted ones included). */
  @ApiPropertyOptional({ pattern: CATEGORY_PATTERN.source, description: 'only this category' })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY_PATTERN, { message: 'category must match ^[a-z0-9_.-]{1,64}$' })
  category?: string;

  /** Only this severity. */
  @ApiPropertyOptional({ enum: SEVERITIES, description: 'only this severity' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: NotificationSeverity;
}

/** `Idempotency-Key` header rule: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
