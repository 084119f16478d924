import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Length, Matches, ValidateBy, ValidateNested, ValidationOptions } from 'class-validator';
import { CATEGORY_PATTERN } from '../common/category';
import { NotificationAction } from '../common/server-frame';
import { NotificationSeverity } from './notification.entity';

export const SEVERITIES: readonly NotificationSeverity[] = ['low', 'normal', 'high', 'critical'];
/** Longest `url`, in characters. */
export const MAX_URL_LENGTH = 2048;
/** Most action buttons on one notification. */
export const MAX_ACTIONS = 2;
/** Latest `expiresAt` accepted, from now: ten years, in ms (a bound, not a policy). */
const MAX_EXPIRY_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * A link a client may follow: an absolute `http:`/`https:` URL (WHATWG
 * URL parsing), or a path starting with one `/` (`//host` would leave the
 * site). No spaces or control characters. Every other scheme
 * (`javascript:`, `data:`, ...) is refused.
 */
export function isSafeUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_URL_LENGTH || /[\s\p{Cc}]/u.test(value)) return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !value.startsWith('/\\');
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
}

function IsSafeUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeUrl',
      validator: {
        validate: (value: unknown) => isSafeUrl(value),
        defaultMessage: () => `$property must be an http: or https: URL or a path starting with /, at most ${MAX_URL_LENGTH} characters`,
      },
    },
    options,
  );
}

function IsFutureInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFutureInstant',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/.test(value)) return false;
          const at = Date.parse(value);
          return Number.isFinite(at) && at > Date.now() && at - Date.now() <= MAX_EXPIRY_MS;
        },
        defaultMessage: () => '$property must be an ISO-8601 date-time with a time zone, in the future (at most ten years ahead)',
      },
    },
    options,
  );
}

function UniqueActionIds(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'uniqueActionIds',
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || new Set(value.map((action: { id?: unknown }) => action?.id)).size === value.length,
        defaultMessage: () => '$property must have distinct ids',
      },
    },
    options,
  );
}

/** One button: `{id, label, url?}`. */
export class NotificationActionDto implements NotificationAction {
  /** `^[a-z0-9_.-]{1,64}$`; what the client reports when it is pressed. */
  @ApiProperty({ pattern: CATEGORY_PATTERN.source, example: 'reply' })
  @IsString()
  @Matches(CATEGORY_PATTERN, { message: 'actions.id must match ^[a-z0-9_.-]{1,64}$' })
  id!: string;

  /** Plain text, 1-40 characters. */
  @ApiProperty({ minLength: 1, maxLength: 40, example: 'Reply' })
  @IsString()
  @Length(1, 40)
  label!: string;

  /** As the notification's `url`. */
  @ApiPropertyOptional({ maxLength: MAX_URL_LENGTH, example: '/posts/7#reply' })
  @IsOptional()
  @IsSafeUrl()
  url?: string;
}

/** The inbox fields of `POST /notifications` and `/broadcast`, all optional (docs/api.md, "Inbox"). */
export class InboxContentDto {
  /** Headline, plain text, 1-200 characters. */
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Bob commented on your post' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  title?: string;

  /** Plain text, 1-2,000 characters. */
  @ApiPropertyOptional({ minLength: 1, maxLength: 2000, example: 'Looks good to me!' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  body?: string;

  /** Where a click goes: `http:`/`https:` URL or a path starting with `/`; any other scheme is a 400. */
  @ApiPropertyOptional({ maxLength: MAX_URL_LENGTH, example: 'https://example.com/posts/7' })
  @IsOptional()
  @IsSafeUrl()
  url?: string;

  /** `^[a-z0-9_.-]{1,64}$`, default `general`: drives tabs, counts and preferences. */
  @ApiPropertyOptional({ pattern: CATEGORY_PATTERN.source, default: 'general', example: 'comments' })
  @IsOptional()
  @IsString()
  @Matches(CATEGORY_PATTERN, { message: 'category must match ^[a-z0-9_.-]{1,64}$' })
  category?: string;

  /** Default `normal`; `critical` ignores mutes. */
  @ApiPropertyOptional({ enum: SEVERITIES, default: 'normal' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: NotificationSeverity;

  /** Up to two buttons with distinct ids. */
  @ApiPropertyOptional({ type: [NotificationActionDto], maxItems: MAX_ACTIONS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ACTIONS)
  @UniqueActionIds()
  @ValidateNested({ each: true })
  @Type(() => NotificationActionDto)
  actions?: NotificationActionDto[];

  /** ISO-8601 with a time zone, in the future: after it the notification leaves feeds, counts and sockets. */
  @ApiPropertyOptional({ format: 'date-time', example: '2030-01-01T00:00:00Z' })
  @IsOptional()
  @IsFutureInstant()
  expiresAt?: string;

  /** 1-128 characters: a newer notification with the same key for the same recipient replaces the older one. */
  @ApiPropertyOptional({ minLength: 1, maxLength: 128, example: 'post-7-comments' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  collapseKey?: string;
}
