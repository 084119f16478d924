import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsUserId } from '../common/user-id';

/** Body of `POST /auth/dev-token`. */
export class DevTokenRequestDto {
  /** User id for the `sub` claim: 1-128 characters of well-formed Unicode, no control characters (`isUserId`). */
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @IsUserId()
  sub!: string;

  /** Roles for the `roles` claim: any of `admin`, `service`. */
  @ApiPropertyOptional({ type: [String], enum: ['admin', 'service'], maxItems: 2 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsIn(['admin', 'service'], { each: true })
  roles?: string[];

  /** Lifetime in seconds, 1-86,400 (default 3,600). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 86_400, default: 3_600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  ttl?: number;
}

/** Reply of `POST /auth/dev-token`. */
export class DevTokenResponse {
  /** A compact HS256 JWT (RFC 7519). */
  @ApiProperty({ description: 'a compact HS256 JWT (RFC 7519)' })
  token!: string;
}
