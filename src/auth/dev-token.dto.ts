import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** Body of `POST /auth/dev-token`. */
export class DevTokenRequestDto {
  /** User id for the `sub` claim, 1-128 characters. */
  @IsString() @Length(1, 128)
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
