import { IsString, ValidateBy } from 'class-validator';
import { isNotificationId } from './protocol';

/** `data` of `resume`. */
export class ResumeDto {
  /** The last notification id the client saw: a decimal string of 1-19 digits (`"0"` replays the whole feed, up to the limit). */
  @IsString()
  @ValidateBy({ name: 'isNotificationId', validator: { validate: isNotificationId, defaultMessage: () => 'since must be a notification id (a decimal string)' } })
  since!: string;
}
