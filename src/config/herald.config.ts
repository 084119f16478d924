/**
 * Herald's typed configuration: the only shape the rest of the code sees.
 * Built once at boot by `loadConfig()` from environment variables (see
 * `.env.example` for every variable and its default).
 */
export interface HeraldConfig {
  /** `NODE_ENV`; `production` refuses the development JWT key and dev tokens. */
  readonly nodeEnv: string;
  /** `PORT` (0-65535; 0 picks a free port) and `HOST` for HTTP and WebSocket. */
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig | null;
  readonly auth: AuthConfig;
  readonly realtime: RealtimeConfig;
  /** Largest accepted REST body in bytes (`BODY_LIMIT_BYTES`); larger bodies get 413. */
  readonly bodyLimitBytes: number;
  /** REST requests per caller per minute on one instance (`RATE_LIMIT_PER_MINUTE`); more get 429. */
  readonly rateLimitPerMinute: number;
  /** `LOG_LEVEL`: one of error, warn, log, debug, verbose. */
  readonly logLevel: LogLevel;
  /**
   * `LOG_FORMAT`: `json` writes one pino JSON object per line (the default
   * when `NODE_ENV=production`), `pretty` writes pino-pretty's coloured
   * lines for a terminal (the default otherwise).
   */
  readonly logFormat: LogFormat;
  /**
   * `METRICS_TOKEN`: when set, `GET /metrics` answers 401 unless the request
   * carries `Authorization: Bearer <METRICS_TOKEN>` (RFC 6750 2.1); null
   * leaves it open, for a scraper on a private network.
   */
  readonly metricsToken: string | null;
  /**
   * `HERALD_WORKERS` (1-256): worker processes `npm start` forks with
   * node:cluster, sharing the port. 1 runs the app in this process; more
   * needs `DATABASE_URL` and `REDIS_URL`.
   */
  readonly workers: number;
}

export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export type LogFormat = 'json' | 'pretty';

/** MySQL (`DATABASE_URL`) or the embedded SQLite file (`SQLITE_PATH`). */
export type DatabaseConfig =
  | { readonly kind: 'mysql'; readonly url: string }
  | { readonly kind: 'sqlite'; readonly path: string };

export interface RedisConfig {
  /** `REDIS_URL`, e.g. `redis://host:6379/0`. */
  readonly url: string;
  /** `REDIS_PREFIX`: prepended to every Redis channel and key Herald uses. */
  readonly prefix: string;
}

export interface AuthConfig {
  /** HS256 key (`JWT_SECRET`), at least 32 bytes (RFC 7518 section 3.2). */
  readonly jwtSecret: string;
  /** True when no `JWT_SECRET` was given and the development key is in use. */
  readonly usingDevelopmentSecret: boolean;
  /** Expected `iss` / `aud` claims (RFC 7519 4.1.1, 4.1.3), checked when set. */
  readonly issuer: string | null;
  readonly audience: string | null;
  /** Whether `POST /auth/dev-token` is served (`AUTH_DEV_TOKENS`). */
  readonly devTokens: boolean;
}

export interface RealtimeConfig {
  /**
   * Origins allowed to open a WebSocket (`ALLOWED_ORIGINS`, comma-separated,
   * e.g. `https://app.example.com`). Null means "same origin as the service".
   */
  readonly allowedOrigins: readonly string[] | null;
  /** Ping interval in ms (`WS_HEARTBEAT_MS`); a socket that misses one pong is terminated. */
  readonly heartbeatMs: number;
  /**
   * Per-socket send buffer cap in bytes (`WS_MAX_BUFFERED_BYTES`): a socket
   * whose unsent backlog passes it is closed with 1013 so a slow reader
   * cannot grow the server's memory.
   */
  readonly maxBufferedBytes: number;
}
