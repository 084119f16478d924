import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional, IsString, Length, ValidateBy, ValidationArguments } from 'class-validator';
import { IsRecordId } from '../common/record-id';
import { IsUserId } from '../common/user-id';
import { MAX_RECIPIENTS } from './notifications.dto';

/** Most ids in one `POST /notifications/seen`. */
export const MAX_SEEN_IDS = 100;

/** Body of `POST /notifications/seen`: `{ids}` or `{all: true}`, exactly one of them. */
export class MarkSeenDto {
  /** 1-100 notification ids; those that are not the caller's are ignored. */
  @ApiPropertyOptional({ type: [String], minItems: 1, maxItems: MAX_SEEN_IDS, example: ['42', '43'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SEEN_IDS)
  @IsRecordId({ each: true, message: 'each value in ids must be a notification id' })
  ids?: string[];

  /** `true`: everything in the caller's feed, instead of `ids`. */
  @ApiPropertyOptional({ type: Boolean, enum: [true], description: 'everything in the feed; instead of ids' })
  @ValidateBy({
    name: 'idsOrAll',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => ((args?.object as MarkSeenDto).ids === undefined ? value === true : value === undefined),
      defaultMessage: () => 'give either ids (1-100 notification ids) or all: true',
    },
  })
  all?: true;
}

/** Body of `POST /notifications/withdraw`. */
export class WithdrawDto {
  /** The collapse key the notifications were sent with (1-128 characters). */
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'post-7-comments' })
  @IsString()
  @Length(1, 128)
  collapseKey!: string;

  /** Only these recipients' notifications (1-10,000 user ids); absent: every recipient's, broadcasts included. */
  @ApiPropertyOptional({ type: [String], minItems: 1, maxItems: MAX_RECIPIENTS, uniqueItems: true, example: ['alice'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_RECIPIENTS)
  @ArrayUnique()
  @IsUserId({ each: true })
  recipients?: string[];
}
