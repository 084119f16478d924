import { IsRecordCursor } from '../common/record-id';

/** `data` of `resume`. */
export class ResumeDto {
  /** The last notification id the client saw: a decimal string (`"0"` replays the whole feed, up to the limit). */
  @IsRecordCursor({ message: 'since must be a notification id (a decimal string)' })
  since!: string;
}
