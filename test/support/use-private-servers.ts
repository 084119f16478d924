import { PrivateMariaDb, startPrivateMariaDb } from './private-mariadb';
import { PrivateRedis, startPrivateRedis } from './private-redis';

/** MariaDB installs its system tables, then starts, in seconds on an idle machine; Redis is quick. */
const START_TIMEOUT_MS = 60_000;
/** MariaDB's clean shutdown gets 20 s before SIGKILL, Redis's 10 s, side by side. */
const DISPOSE_TIMEOUT_MS = 40_000;

/** A Redis and a MariaDB only this describe block uses, so its tests may stop, freeze and reconfigure them. */
export interface PrivateServers {
  /** Available inside tests and hooks, once started. */
  readonly redis: PrivateRedis;
  /** Available inside tests and hooks, once started. */
  readonly mariadb: PrivateMariaDb;
}

/**
 * Starts a private Redis and MariaDB before the block and disposes of
 * them after it (the shared servers on 6379 and 3306 are never touched).
 * Put the Herald fixtures that use them in a nested describe, so that
 * Herald stops before its servers do.
 */
export function usePrivateServers(): PrivateServers {
  let redis: PrivateRedis | undefined;
  let mariadb: PrivateMariaDb | undefined;
  beforeAll(async () => {
    const [startedRedis, startedMariaDb] = await Promise.allSettled([startPrivateRedis(), startPrivateMariaDb()]);
    if (startedRedis.status === 'fulfilled') redis = startedRedis.value;
    if (startedMariaDb.status === 'fulfilled') mariadb = startedMariaDb.value;
    for (const started of [startedRedis, startedMariaDb]) if (started.status === 'rejected') throw started.reason;
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([redis?.dispose(), mariadb?.dispose()]);
  }, DISPOSE_TIMEOUT_MS);
  return {
    get redis(): PrivateRedis {
      if (!redis) throw new Error('usePrivateServers().redis did not start');
      return redis;
    },
    get mariadb(): PrivateMariaDb {
      if (!mariadb) throw new Error('usePrivateServers().mariadb did not start');
      return mariadb;
    },
  };
}
