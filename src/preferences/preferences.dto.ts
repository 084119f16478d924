import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

/** Body of `PUT /preferences/categories/:category`. */
export class CategoryPreferenceDto {
  /** Muted: stored and listed under `?category=`, not pushed live, left out of the top-level counts (`critical` ones excepted). */
  @ApiProperty({ example: true })
  @IsBoolean()
  muted!: boolean;
}

/** Reply of `GET /preferences`. */
export class PreferencesDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', properties: { muted: { type: 'boolean' } }, required: ['muted'] },
    description: 'every category the user has a setting for or notifications in',
    example: { general: { muted: false }, marketing: { muted: true } },
  })
  categories!: Record<string, { muted: boolean }>;
}
