import { existsSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config.errors';
import { Environment, INTEGER_VARIABLES, SECRET_VARIABLES } from './environment';
import { HeraldConfig, LogFormat, LogLevel, RedisConfig } from './herald.config';
import { AUTH_DEFAULTS, loadAuthConfig } from './load-auth-config';

export { ConfigError } from './config.errors';
export { DEVELOPMENT_JWT_SECRET } from './load-auth-config';

/** The embedded-mode defaults, also listed in `.env.example`. */
export const DEFAULTS = {
  PORT: 3000,
  HOST: '0.0.0.0',
  SQLITE_PATH: './data/herald.sqlite',
  REDIS_PREFIX: 'herald:',
  WS_HEARTBEAT_MS: 30_000,
  WS_MAX_BUFFERED_BYTES: 1_048_576,
  BODY_LIMIT_BYTES: 2_097_152,
  RATE_LIMIT_PER_MINUTE: 6_000,
  LOG_LEVEL: 'log',
  HERALD_WORKERS: 1,
  MAX_SOCKETS_PER_USER: 20,
  WS_UPGRADES_PER_MINUTE: 600,
  ROOM_PRESENCE_TTL_MS: 30_000,
  RETENTION_DAYS: 90,
  REPLAY_CONCURRENCY: 16,
  ...AUTH_DEFAULTS,
} as const;

/**
 * Reads `.env` from the working directory into `process.env` when the file
 * exists; variables already set win.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Validates the environment once and returns the typed config.
 * @throws ConfigError naming every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const raw: Record<string, unknown> = {};
  for (const key of environmentKeys()) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = INTEGER_VARIABLES.has(key as keyof Environment) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const vars = plainToInstance(Environment, raw);
  const errors = validateSync(vars, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const rules = Object.values(error.constraints ?? {}).join('; ');
      const shown = SECRET_VARIABLES.has(error.property as keyof Environment) ? '' : ` (got ${JSON.stringify(error.value)})`;
      return `${error.property} ${rules.replace(`${error.property} `, '')}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }

  const production = vars.NODE_ENV === 'production';
  const auth = loadAuthConfig(vars, production);
  const workers = vars.HERALD_WORKERS ?? DEFAULTS.HERALD_WORKERS;
  if (vars.REDIS_URL && vars.REDIS_CLUSTER_NODES) {
    throw new ConfigError('REDIS_URL and REDIS_CLUSTER_NODES are mutually exclusive: set REDIS_URL for one Redis, or REDIS_CLUSTER_NODES for a Redis Cluster');
  }
  const redis = redisConfig(vars.REDIS_URL, vars.REDIS_CLUSTER_NODES, vars.REDIS_PREFIX ?? DEFAULTS.REDIS_PREFIX);
  if (workers > 1 && (!vars.DATABASE_URL || !redis)) {
    // The embedded database file and the in-process broadcaster live in one process.
    throw new ConfigError(
      `HERALD_WORKERS=${workers} needs DATABASE_URL and REDIS_URL (or REDIS_CLUSTER_NODES): the embedded SQLite database and the in-process broadcaster cannot span processes (unset HERALD_WORKERS or set both)`,
    );
  }

  return {
    nodeEnv: vars.NODE_ENV ?? 'development',
    port: vars.PORT ?? DEFAULTS.PORT,
    host: vars.HOST ?? DEFAULTS.HOST,
    database: vars.DATABASE_URL ? { kind: 'mysql', url: vars.DATABASE_URL } : { kind: 'sqlite', path: vars.SQLITE_PATH ?? DEFAULTS.SQLITE_PATH },
    redis,
    auth,
    realtime: {
      allowedOrigins: parseOrigins(vars.ALLOWED_ORIGINS),
      heartbeatMs: vars.WS_HEARTBEAT_MS ?? DEFAULTS.WS_HEARTBEAT_MS,
      maxBufferedBytes: vars.WS_MAX_BUFFERED_BYTES ?? DEFAULTS.WS_MAX_BUFFERED_BYTES,
      maxSocketsPerUser: vars.MAX_SOCKETS_PER_USER ?? DEFAULTS.MAX_SOCKETS_PER_USER,
      upgradesPerMinute: vars.WS_UPGRADES_PER_MINUTE ?? DEFAULTS.WS_UPGRADES_PER_MINUTE,
      replayConcurrency: vars.REPLAY_CONCURRENCY ?? DEFAULTS.REPLAY_CONCURRENCY,
    },
    rooms: { presenceTtlMs: vars.ROOM_PRESENCE_TTL_MS ?? DEFAULTS.ROOM_PRESENCE_TTL_MS },
    inbox: { retentionDays: vars.RETENTION_DAYS ?? DEFAULTS.RETENTION_DAYS },
    bodyLimitBytes: vars.BODY_LIMIT_BYTES ?? DEFAULTS.BODY_LIMIT_BYTES,
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? DEFAULTS.RATE_LIMIT_PER_MINUTE,
    logLevel: (vars.LOG_LEVEL ?? DEFAULTS.LOG_LEVEL) as LogLevel,
    logFormat: (vars.LOG_FORMAT ?? (production ? 'json' : 'pretty')) as LogFormat,
    metricsToken: vars.METRICS_TOKEN ?? null,
    workers,
  };
}

/** Names of every variable `loadConfig()` reads, in declaration order. */
export function environmentKeys(): string[] {
  return [
    'NODE_ENV',
    'PORT',
    'HOST',
    'DATABASE_URL',
    'SQLITE_PATH',
    'REDIS_URL',
    'REDIS_CLUSTER_NODES',
    'REDIS_PREFIX',
    'JWT_SECRET',
    'JWT_PREVIOUS_SECRETS',
    'JWT_JWKS_URL',
    'JWT_PUBLIC_KEY',
    'JWT_ROLES_CLAIM',
    'JWT_CLOCK_TOLERANCE_S',
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'ALLOWED_ORIGINS',
    'AUTH_DEV_TOKENS',
    'WS_HEARTBEAT_MS',
    'WS_MAX_BUFFERED_BYTES',
    'BODY_LIMIT_BYTES',
    'RATE_LIMIT_PER_MINUTE',
    'LOG_LEVEL',
    'LOG_FORMAT',
    'METRICS_TOKEN',
    'HERALD_WORKERS',
    'MAX_SOCKETS_PER_USER',
    'WS_UPGRADES_PER_MINUTE',
    'ROOM_PRESENCE_TTL_MS',
    'RETENTION_DAYS',
    'REPLAY_CONCURRENCY',
  ];
}

function redisConfig(url: string | undefined, clusterNodes: string | undefined, prefix: string): RedisConfig | null {
  if (url) return { url, prefix };
  if (!clusterNodes) return null;
  const nodes = clusterNodes.split(',').map((seed) => {
    const [host, port] = seed.trim().split(':');
    const number = Number(port);
    if (number < 1 || number > 65_535) throw new ConfigError(`REDIS_CLUSTER_NODES has a port outside 1-65535: ${JSON.stringify(seed.trim())}`);
    return { host, port: number };
  });
  return { clusterNodes: nodes, prefix };
}

function parseOrigins(value: string | undefined): readonly string[] | null {
  if (value === undefined) return null;
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(`ALLOWED_ORIGINS has an entry that is not a URL origin: ${JSON.stringify(origin)}`);
    }
    if (parsed.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(`ALLOWED_ORIGINS entries must be bare origins like https://app.example.com: ${JSON.stringify(origin)}`);
    }
  }
  return origins.map((origin) => origin.replace(/\/$/, ''));
}
