import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsUserId } from '../common/user-id';

/** Body of `POST /auth/dev-token`. */
export class DevTokenRequestDto {
  /** User id for the `sub` claim: 1-128 characters of well-formed Unicode, no control characters (`isUserId`). */
  @IsUserId()
  sub!: string;

  /** Roles for the `roles` claim: any of `admin`, `service`. */
  @IsOptional() @IsArray() @ArrayMaxSize(2) @IsIn(['admin', 'service'], { each: true })
  roles?: string[];

  /** Lifetime in seconds, 1-86,400 (default 3,600). */
  @IsOptional() @IsInt() @Min(1) @Max(86_400)
  ttl?: number;
}

/** Reply of `POST /auth/dev-token`. */
export interface DevTokenResponse {
  /** A compact HS256 JWT (RFC 7519). */
  token: string;
}
