import type { KeyObject } from 'node:crypto';

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
  readonly rooms: RoomsConfig;
  readonly inbox: InboxConfig;
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
export type DatabaseConfig = { readonly kind: 'mysql'; readonly url: string } | { readonly kind: 'sqlite'; readonly path: string };

/** One Redis (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`); never both. */
export type RedisConfig = SingleRedisConfig | ClusterRedisConfig;

export interface SingleRedisConfig {
  /** `REDIS_URL`, e.g. `redis://host:6379/0`. */
  readonly url: string;
  /** `REDIS_PREFIX`: prepended to every Redis channel and key Herald uses. */
  readonly prefix: string;
  readonly clusterNodes?: undefined;
}

export interface ClusterRedisConfig {
  /**
   * `REDIS_CLUSTER_NODES`: seeds of a Redis Cluster (Redis 7+), from which
   * ioredis discovers the rest. Groups use sharded pub/sub
   * (`SSUBSCRIBE`/`SPUBLISH`), presence keys are hash-tagged per room.
   */
  readonly clusterNodes: readonly RedisNodeAddress[];
  /** `REDIS_PREFIX`, as for one Redis. */
  readonly prefix: string;
  readonly url?: undefined;
}

/** One `host:port` of `REDIS_CLUSTER_NODES`. */
export interface RedisNodeAddress {
  readonly host: string;
  /** 1-65535. */
  readonly port: number;
}

/**
 * Which keys verify access tokens; see docs/identity.md. The algorithm is
 * bound to the key: HS256 for the secrets, the asymmetric algorithms for
 * the JWK Set or the public key.
 */
export interface AuthConfig {
  /**
   * HS256 key (`JWT_SECRET`), at least 32 bytes (RFC 7518 section 3.2); it
   * signs dev tokens and `npm run token`. Null when only an identity
   * provider's keys (`JWT_JWKS_URL` / `JWT_PUBLIC_KEY`) are configured:
   * HS256 tokens are then refused and there is no development key.
   */
  readonly jwtSecret: string | null;
  /** `JWT_PREVIOUS_SECRETS`: HS256 secrets still accepted (never used to sign) while `JWT_SECRET` is rotated. */
  readonly previousSecrets: readonly string[];
  /** True when no key at all was configured and the public development key is in use. */
  readonly usingDevelopmentSecret: boolean;
  /** `JWT_JWKS_URL`: the identity provider's JWK Set (RFC 7517), fetched, cached and refetched on an unknown `kid`. */
  readonly jwksUrl: URL | null;
  /** `JWT_PUBLIC_KEY`: an RSA, P-256 EC or Ed25519 public key, instead of a JWK Set. */
  readonly publicKey: KeyObject | null;
  /** `JWT_ROLES_CLAIM`: dotted path of the roles array in the claims (`roles`, `realm_access.roles`). */
  readonly rolesClaim: string;
  /** `JWT_CLOCK_TOLERANCE_S`: seconds of leeway for `exp`, `nbf` and `iat` (0-300). */
  readonly clockToleranceSeconds: number;
  /** Expected `iss` / `aud` claims (RFC 7519 4.1.1, 4.1.3), checked when set. */
  readonly issuer: string | null;
  readonly audience: string | null;
  /** Whether `POST /auth/dev-token` is served (`AUTH_DEV_TOKENS`); never without `jwtSecret`. */
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
  /**
   * Open sockets one user (`sub`) may hold on this instance
   * (`MAX_SOCKETS_PER_USER`, 1-100,000); one more upgrade is refused with
   * HTTP 429. Per instance, as Centrifugo's `client_user_connection_limit`:
   * behind N instances a user may hold up to N times as many.
   */
  readonly maxSocketsPerUser: number;
  /**
   * WebSocket upgrades one client address may attempt per minute on this
   * instance (`WS_UPGRADES_PER_MINUTE`, 1-10,000,000), refused or not, in
   * bursts of up to as many; more get HTTP 429 with `Retry-After`. IPv6
   * addresses count per /64. Behind a proxy every client has the proxy's
   * address: raise it there.
   */
  readonly upgradesPerMinute: number;
  /**
   * Catch-up queries (a resume's `since` replay, or the catch-up after a
   * broadcaster interruption) this instance runs against the database at
   * once, shared by all its sockets (`REPLAY_CONCURRENCY`, 1-1,000). The
   * rest wait their turn in arrival order, so a reconnect storm costs the
   * database at most this many concurrent reads per instance.
   */
  readonly replayConcurrency: number;
}

export interface InboxConfig {
  /**
   * `RETENTION_DAYS` (1-36,500, default 90): notifications older than this
   * are purged, in small batches, by whichever instance holds the purge
   * lease (expired ones are purged as soon as they expire).
   */
  readonly retentionDays: number;
}

export interface RoomsConfig {
  /**
   * How long a socket's room presence lives in Redis without renewal, in ms
   * (`ROOM_PRESENCE_TTL_MS`, 1,500-3,600,000; each instance renews its own
   * every third of it). The sockets of an instance that dies leave their
   * rooms' `members`, with a `room.presence` `left`, within about 4/3 of it.
   * Only with `REDIS_URL`; in-process presence never expires.
   */
  readonly presenceTtlMs: number;
}
