import { useFixture } from './fixture-hooks';
import { HeraldEnv } from './create-test-app';
import { HeraldProcess, startHeraldProcess } from './herald-process';
import { acquireTestDatabase, releaseTestDatabase } from './test-database';
import { TEST_REDIS_URL, unique } from './test-env';
import { ConnectOptions, TestClient } from './ws-client';

/**
 * Budget of the start and stop hooks: `startHeraldProcess` waits up to 40 s
 * for `GET /health`, and a stop waits up to 10 s before SIGKILL.
 */
const HOOK_TIMEOUT_MS = 60_000;

/** A Herald child process, and the sockets its tests open. */
export interface HeraldProcessFixture {
  /** The running process; available inside tests and hooks. */
  readonly process: HeraldProcess;
  /** Opens a socket with a user token for `sub` (`options.token` overrides it), waits for `ready`, and closes it after the test. */
  connect(sub: string, options?: ConnectOptions): Promise<TestClient>;
}

/**
 * `useHerald()` for tests that need the real service in its own process
 * (`startHeraldProcess`): to signal or SIGKILL it, or to run it against
 * private servers. The same defaults as `createTestApp`: the test Redis, a
 * unique `REDIS_PREFIX`, and a fresh test database for that prefix unless
 * `env` names a `DATABASE_URL`. Stopping (SIGTERM, then SIGKILL) a process
 * that already exited is harmless.
 */
export function useHeraldProcess(env: HeraldEnv | (() => HeraldEnv) = {}, options: { perTest?: boolean } = {}): HeraldProcessFixture {
  const ownDatabases = new Map<HeraldProcess, string>();
  const fixture = useFixture<HeraldProcess>({
    name: 'useHeraldProcess().process',
    start: async () => {
      const given = typeof env === 'function' ? env() : env;
      const prefix = given.REDIS_PREFIX ?? `${unique('herald-process')}:`;
      const ownDatabase = 'DATABASE_URL' in given ? undefined : await acquireTestDatabase(prefix);
      const databaseUrl = ownDatabase ?? given.DATABASE_URL;
      if (!databaseUrl) throw new Error('useHeraldProcess() needs a DATABASE_URL; leave it out for a fresh test database');
      try {
        const herald = await startHeraldProcess({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...given, DATABASE_URL: databaseUrl });
        if (ownDatabase) ownDatabases.set(herald, ownDatabase);
        return herald;
      } catch (error) {
        if (ownDatabase) await releaseTestDatabase(ownDatabase);
        throw error;
      }
    },
    stop: async (herald) => {
      await herald.stop();
      const ownDatabase = ownDatabases.get(herald);
      ownDatabases.delete(herald);
      if (ownDatabase) await releaseTestDatabase(ownDatabase);
    },
    wsUrl: (herald) => herald.wsUrl,
    perTest: options.perTest,
    hookTimeoutMs: HOOK_TIMEOUT_MS,
  });
  return {
    get process(): HeraldProcess {
      return fixture.server;
    },
    connect: (sub, connectOptions) => fixture.connect(sub, connectOptions),
  };
}
