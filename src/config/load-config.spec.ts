import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import fc from 'fast-check';
import { Environment } from './environment';
import { DEFAULTS, environmentKeys, loadConfig } from './load-config';
import { configErrorFor } from '../../test/support/config-error-for';

const SECRET = 'a-test-secret-that-is-at-least-32-chars-long';

/** The `KEY=value` lines of the repository's `.env.example`, in file order. */
function envExampleEntries(): Array<[string, string]> {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!match) throw new Error(`.env.example has a line that is neither a comment nor KEY=value: ${line}`);
      return [match[1], match[2]];
    });
}

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    const config = loadConfig({});

    it('uses the embedded SQLite database and no Redis', () => {
      expect(config.database).toEqual({ kind: 'sqlite', path: DEFAULTS.SQLITE_PATH });
      expect(config.redis).toBeNull();
    });

    it('listens on 0.0.0.0:3000', () => {
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
    });

    it('uses the development secret, flags it, and enables dev tokens', () => {
      expect(config.auth.usingDevelopmentSecret).toBe(true);
      expect(config.auth.jwtSecret?.length).toBeGreaterThanOrEqual(32);
      expect(config.auth.devTokens).toBe(true);
      expect(config.auth.issuer).toBeNull();
      expect(config.auth.audience).toBeNull();
    });

    it('allows only the same origin and applies the documented limits', () => {
      expect(config.realtime.allowedOrigins).toBeNull();
      expect(config.realtime.heartbeatMs).toBe(DEFAULTS.WS_HEARTBEAT_MS);
      expect(config.realtime.maxBufferedBytes).toBe(DEFAULTS.WS_MAX_BUFFERED_BYTES);
      expect(config.realtime.maxSocketsPerUser).toBe(20);
      expect(config.realtime.upgradesPerMinute).toBe(600);
      expect(config.rooms.presenceTtlMs).toBe(30_000);
      expect(config.bodyLimitBytes).toBe(DEFAULTS.BODY_LIMIT_BYTES);
      expect(config.logLevel).toBe('log');
      expect(config.nodeEnv).toBe('development');
    });
  });

  it('selects MySQL when DATABASE_URL is set', () => {
    const url = 'mysql://herald:pw@db.internal:3306/herald';
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: 'mysql', url });
  });

  it('selects Redis with the default prefix when REDIS_URL is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/0' }).redis).toEqual({ url: 'redis://cache:6379/0', prefix: 'herald:' });
  });

  it('accepts rediss:// and a custom REDIS_PREFIX', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380/1', REDIS_PREFIX: 'tenant-a:' }).redis).toEqual({
      url: 'rediss://cache:6380/1',
      prefix: 'tenant-a:',
    });
  });

  describe('REDIS_CLUSTER_NODES', () => {
    it('selects a Redis Cluster from comma-separated host:port seeds', () => {
      expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, redis-2:7001,10.0.0.3:7002' }).redis).toEqual({
        clusterNodes: [
          { host: 'redis-1', port: 7000 },
          { host: 'redis-2', port: 7001 },
          { host: '10.0.0.3', port: 7002 },
        ],
        prefix: 'herald:',
      });
    });

    it('refuses REDIS_URL and REDIS_CLUSTER_NODES together, naming both', () => {
      const { message } = configErrorFor({ REDIS_URL: 'redis://cache:6379/0', REDIS_CLUSTER_NODES: 'redis-1:7000' });
      expect(message).toContain('REDIS_URL and REDIS_CLUSTER_NODES are mutually exclusive');
    });

    it.each(['redis-1', 'redis-1:', 'redis://redis-1:7000', 'redis-1:7000,,redis-2:7001', 'redis-1:70000'])('refuses the seed list %j', (nodes) => {
      expect(configErrorFor({ REDIS_CLUSTER_NODES: nodes }).message).toContain('REDIS_CLUSTER_NODES');
    });

    it('lets HERALD_WORKERS run on a cluster instead of REDIS_URL', () => {
      expect(loadConfig({ HERALD_WORKERS: '2', DATABASE_URL: 'mysql://h:p@db:3306/h', REDIS_CLUSTER_NODES: 'redis-1:7000' }).workers).toBe(2);
    });
  });

  it('bounds concurrent catch-up queries at REPLAY_CONCURRENCY, 16 by default', () => {
    expect(loadConfig({}).realtime.replayConcurrency).toBe(16);
    expect(loadConfig({ REPLAY_CONCURRENCY: '4' }).realtime.replayConcurrency).toBe(4);
    expect(configErrorFor({ REPLAY_CONCURRENCY: '0' }).message).toContain('REPLAY_CONCURRENCY');
  });

  it('uses a JWT_SECRET of 32 characters and stops flagging the development secret', () => {
    const auth = loadConfig({ JWT_SECRET: 'x'.repeat(32) }).auth;
    expect(auth.jwtSecret).toBe('x'.repeat(32));
    expect(auth.usingDevelopmentSecret).toBe(false);
  });

  it('converts integer variables to numbers', () => {
    const config = loadConfig({
      PORT: '0',
      WS_HEARTBEAT_MS: '1000',
      WS_MAX_BUFFERED_BYTES: '65536',
      BODY_LIMIT_BYTES: '1024',
      MAX_SOCKETS_PER_USER: '3',
      WS_UPGRADES_PER_MINUTE: '60',
    });
    expect(config.realtime.maxSocketsPerUser).toBe(3);
    expect(config.realtime.upgradesPerMinute).toBe(60);
    expect(config.port).toBe(0);
    expect(config.realtime.heartbeatMs).toBe(1000);
    expect(config.realtime.maxBufferedBytes).toBe(65_536);
    expect(config.bodyLimitBytes).toBe(1024);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3000.5'],
    ['DATABASE_URL', 'postgres://x'],
    ['REDIS_URL', 'http://cache:6379'],
    ['JWT_SECRET', 'x'.repeat(31)],
    ['LOG_LEVEL', 'trace'],
    ['AUTH_DEV_TOKENS', 'yes'],
    ['WS_HEARTBEAT_MS', '10'],
    ['REDIS_PREFIX', 'has space'],
    ['MAX_SOCKETS_PER_USER', '0'],
    ['MAX_SOCKETS_PER_USER', 'many'],
    ['WS_UPGRADES_PER_MINUTE', '0'],
    ['WS_UPGRADES_PER_MINUTE', '1.5'],
    ['ROOM_PRESENCE_TTL_MS', '1000'],
    ['RETENTION_DAYS', '0'],
  ])('throws a ConfigError naming %s when it is %j', (key, value) => {
    expect(configErrorFor({ [key]: value }).message).toContain(key);
  });

  it('names every invalid variable in one error', () => {
    const message = configErrorFor({ PORT: 'abc', LOG_LEVEL: 'trace' }).message;
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
  });

  it.each([
    ['JWT_SECRET', 'short-Sup3rSecretValue'],
    ['DATABASE_URL', 'postgres://herald:Sup3rSecretValue@db:5432/herald'],
    ['DATABASE_URL', 'mysql://herald:Sup3r SecretValue@db:3306/herald'],
    ['REDIS_URL', 'http://:Sup3rSecretValue@cache:6379'],
    ['METRICS_TOKEN', 'Sup3rSecretValue with a space'],
  ])('never echoes the value of the secret %s in the error', (key, value) => {
    const message = configErrorFor({ [key]: value }).message;
    expect(message).toContain(key);
    expect(message).not.toContain(value);
    expect(message).not.toContain('Sup3r');
  });

  it.each([
    ['JWT_SECRET', fc.string({ minLength: 1, maxLength: 31 })],
    ['DATABASE_URL', fc.string({ minLength: 1 }).filter((value) => !/^mysql:\/\/[^\s]+$/.test(value))],
    ['REDIS_URL', fc.string({ minLength: 1 }).filter((value) => !/^rediss?:\/\/[^\s]+$/.test(value))],
  ])('reports an invalid %s with a message that does not depend on its value', (key, invalid) => {
    const reference = configErrorFor({ [key]: 'x' }).message;
    fc.assert(
      fc.property(invalid, (value) => {
        expect(configErrorFor({ [key]: value }).message).toBe(reference);
      }),
    );
  });

  it('may echo a bad PORT value, which is not a secret', () => {
    expect(configErrorFor({ PORT: 'not-a-port' }).message).toContain('not-a-port');
  });

  it('refuses NODE_ENV=production without JWT_SECRET', () => {
    expect(configErrorFor({ NODE_ENV: 'production' }).message).toContain('JWT_SECRET');
  });

  it('disables dev tokens in production by default', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).auth.devTokens).toBe(false);
  });

  it('re-enables dev tokens in production when AUTH_DEV_TOKENS=true', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, AUTH_DEV_TOKENS: 'true' }).auth.devTokens).toBe(true);
  });

  it('disables dev tokens outside production when AUTH_DEV_TOKENS=false', () => {
    expect(loadConfig({ AUTH_DEV_TOKENS: 'false' }).auth.devTokens).toBe(false);
  });

  it('reads JWT_ISSUER and JWT_AUDIENCE', () => {
    const auth = loadConfig({ JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'herald' }).auth;
    expect(auth.issuer).toBe('https://issuer.example');
    expect(auth.audience).toBe('herald');
  });

  describe('ALLOWED_ORIGINS', () => {
    it('parses a comma-separated list, trimming spaces and trailing slashes', () => {
      const origins = loadConfig({ ALLOWED_ORIGINS: ' https://a.com , http://b.example:8080/,https://c.org' }).realtime.allowedOrigins;
      expect(origins).toEqual(['https://a.com', 'http://b.example:8080', 'https://c.org']);
    });

    it.each(['https://a.com/x', 'https://a.com/x/', 'https://a.com?q=1', 'not a url', 'a.com', 'https://a.com,null'])(
      'throws a ConfigError naming ALLOWED_ORIGINS for %j',
      (value) => {
        expect(configErrorFor({ ALLOWED_ORIGINS: value }).message).toContain('ALLOWED_ORIGINS');
      },
    );
  });

  describe('HERALD_WORKERS', () => {
    const production = { DATABASE_URL: 'mysql://herald:pw@db:3306/herald', REDIS_URL: 'redis://cache:6379/0' };

    it('runs one process by default', () => {
      expect(loadConfig({}).workers).toBe(1);
    });

    it('forks workers with MySQL and Redis', () => {
      expect(loadConfig({ ...production, HERALD_WORKERS: '4' }).workers).toBe(4);
    });

    it.each([
      ['the embedded database and broadcaster', {}],
      ['the embedded database', { REDIS_URL: production.REDIS_URL }],
      ['the in-process broadcaster', { DATABASE_URL: production.DATABASE_URL }],
    ])('refuses more than one worker with %s', (_, env) => {
      const message = configErrorFor({ ...env, HERALD_WORKERS: '2' }).message;
      expect(message).toContain('HERALD_WORKERS=2 needs DATABASE_URL and REDIS_URL');
      expect(message).not.toContain('pw@');
    });

    it.each(['0', '257', '1.5', 'many'])('throws a ConfigError naming HERALD_WORKERS for %j', (value) => {
      expect(configErrorFor({ ...production, HERALD_WORKERS: value }).message).toContain('HERALD_WORKERS');
    });
  });

  describe('LOG_FORMAT', () => {
    it('defaults to pretty outside production and to json in production', () => {
      expect(loadConfig({}).logFormat).toBe('pretty');
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).logFormat).toBe('json');
    });

    it('takes an explicit json or pretty in any environment', () => {
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    });

    it('throws a ConfigError naming LOG_FORMAT for another value', () => {
      expect(configErrorFor({ LOG_FORMAT: 'text' }).message).toContain('LOG_FORMAT');
    });
  });

  describe('METRICS_TOKEN', () => {
    it('leaves /metrics open when unset', () => {
      expect(loadConfig({}).metricsToken).toBeNull();
    });

    it('reads a bearer token of 16 or more characters', () => {
      expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).metricsToken).toBe('scrape-token-0123456789');
    });

    it.each(['too-short', 'has a space in it here', 'x'.repeat(513)])('throws a ConfigError naming METRICS_TOKEN for %j', (value) => {
      expect(configErrorFor({ METRICS_TOKEN: value }).message).toContain('METRICS_TOKEN');
    });
  });

  it('treats empty-string variables as unset', () => {
    const env = Object.fromEntries(environmentKeys().map((key) => [key, '']));
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });

  it('refuses NODE_ENV=production with an empty JWT_SECRET, since empty means unset', () => {
    expect(configErrorFor({ NODE_ENV: 'production', JWT_SECRET: '' }).message).toContain('JWT_SECRET');
  });
});

describe('.env.example', () => {
  const entries = envExampleEntries();
  const keys = entries.map(([key]) => key);
  const values = new Map(entries);

  it('lists each variable once', () => {
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lists exactly the variables loadConfig reads', () => {
    expect([...keys].sort()).toEqual([...environmentKeys()].sort());
  });

  it('writes the same defaults as DEFAULTS', () => {
    const documented = [
      'PORT',
      'HOST',
      'SQLITE_PATH',
      'REDIS_PREFIX',
      'WS_HEARTBEAT_MS',
      'WS_MAX_BUFFERED_BYTES',
      'BODY_LIMIT_BYTES',
      'RATE_LIMIT_PER_MINUTE',
      'LOG_LEVEL',
      'HERALD_WORKERS',
      'MAX_SOCKETS_PER_USER',
      'WS_UPGRADES_PER_MINUTE',
      'ROOM_PRESENCE_TTL_MS',
      'RETENTION_DAYS',
      'REPLAY_CONCURRENCY',
      'JWT_ROLES_CLAIM',
      'JWT_CLOCK_TOLERANCE_S',
    ] as const;
    expect(Object.keys(DEFAULTS).sort()).toEqual([...documented].sort());
    for (const key of documented) {
      expect({ key, value: values.get(key) }).toEqual({ key, value: String(DEFAULTS[key]) });
    }
  });

  it('loads, as written, to the same config as an empty environment', () => {
    expect(loadConfig(Object.fromEntries(entries))).toEqual(loadConfig({}));
  });
});

describe('Environment', () => {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false);

  it('has a validation rule besides @IsOptional for every variable loadConfig reads', () => {
    const ruled = new Set(metadata.filter((rule) => rule.type !== ValidationTypes.CONDITIONAL_VALIDATION).map((rule) => rule.propertyName));
    expect(environmentKeys().filter((key) => !ruled.has(key))).toEqual([]);
  });

  it('validates no variable that loadConfig does not read', () => {
    const keys = new Set(environmentKeys());
    expect([...new Set(metadata.map((rule) => rule.propertyName))].filter((name) => !keys.has(name))).toEqual([]);
  });
});
