import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsRecordId } from './record-id';

/** Most items one page may hold (`?limit=`). */
export const MAX_PAGE_LIMIT = 100;

/** Query of a newest-first page of records (the feed, a room's history): `?limit=&before=`. */
export class PageQueryDto {
  /** Page size, 1-100; each route has its own default. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, description: 'page size (default 20 for the feed, 50 for room history)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  /** Cursor: only records with a smaller id (the previous page's `nextCursor`). */
  @ApiPropertyOptional({ pattern: '^[1-9][0-9]{0,18}$', description: "only records with a smaller id: the previous page's `nextCursor`" })
  @IsOptional()
  @IsString()
  @IsRecordId({ message: 'before must be an id from nextCursor' })
  before?: string;
}
