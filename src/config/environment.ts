import { IsBooleanString, IsIn, IsInt, IsOptional, IsUrl, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';

/** Comma-separated HS256 secrets, each at least 32 characters once trimmed. */
const EverySecretLongEnough = () =>
  ValidateBy({
    name: 'everySecretLongEnough',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && value.split(',').every((secret) => secret.trim().length >= 32),
      defaultMessage: () => 'must be comma-separated secrets of at least 32 characters each (RFC 7518 section 3.2)',
    },
  });

/**
 * Every environment variable Herald reads, with its rule. Values arrive as
 * strings; numbers are converted before validation. `.env.example` lists the
 * same names with their defaults (a unit test keeps the two in sync).
 */
export class Environment {
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  HOST?: string;

  @IsOptional()
  @Matches(/^mysql:\/\/[^\s]+$/, { message: 'must look like mysql://user:pass@host:3306/db' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  SQLITE_PATH?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must look like redis://host:6379/0' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*){0,63}$/, {
    message: 'must be 1-64 comma-separated host:port seeds, e.g. redis-1:6379,redis-2:6379',
  })
  REDIS_CLUSTER_NODES?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{0,64}$/, { message: 'must be up to 64 of A-Z a-z 0-9 _ . : -' })
  REDIS_PREFIX?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (RFC 7518 section 3.2)' })
  JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  @EverySecretLongEnough()
  JWT_PREVIOUS_SECRETS?: string;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'must be an http(s) URL of a JWK Set' })
  JWT_JWKS_URL?: string;

  /** Checked further by `loadAuthConfig` (a PEM public key of a supported type). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @MaxLength(256)
  @Matches(/^[^.\s]+(\.[^.\s]+)*$/, { message: 'must be a dotted claim path such as roles or realm_access.roles' })
  JWT_ROLES_CLAIM?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE_S?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  JWT_AUDIENCE?: string;

  @IsOptional()
  @IsString()
  ALLOWED_ORIGINS?: string;

  @IsOptional()
  @IsBooleanString({ message: 'must be true or false' })
  AUTH_DEV_TOKENS?: string;

  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  WS_HEARTBEAT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(65_536)
  @Max(1_073_741_824)
  WS_MAX_BUFFERED_BYTES?: number;

  @IsOptional()
  @IsInt()
  @Min(1024)
  @Max(104_857_600)
  BODY_LIMIT_BYTES?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9\-._~+/]{16,512}=*$/, { message: 'must be 16-512 characters of A-Z a-z 0-9 - . _ ~ + / (an RFC 6750 bearer token)' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  HERALD_WORKERS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAX_SOCKETS_PER_USER?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  WS_UPGRADES_PER_MINUTE?: number;

  @IsOptional()
  @IsInt()
  @Min(1_500)
  @Max(3_600_000)
  ROOM_PRESENCE_TTL_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  RETENTION_DAYS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  REPLAY_CONCURRENCY?: number;
}

/** The variables whose values must never appear in an error message. */
export const SECRET_VARIABLES: ReadonlySet<keyof Environment> = new Set(['JWT_SECRET', 'JWT_PREVIOUS_SECRETS', 'DATABASE_URL', 'REDIS_URL', 'METRICS_TOKEN']);

/** The variables parsed as integers before validation. */
export const INTEGER_VARIABLES: ReadonlySet<keyof Environment> = new Set([
  'PORT',
  'JWT_CLOCK_TOLERANCE_S',
  'WS_HEARTBEAT_MS',
  'WS_MAX_BUFFERED_BYTES',
  'BODY_LIMIT_BYTES',
  'RATE_LIMIT_PER_MINUTE',
  'HERALD_WORKERS',
  'MAX_SOCKETS_PER_USER',
  'WS_UPGRADES_PER_MINUTE',
  'ROOM_PRESENCE_TTL_MS',
  'RETENTION_DAYS',
  'REPLAY_CONCURRENCY',
]);
