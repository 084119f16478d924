import { createTestApp, HeraldEnv, TestApp } from './create-test-app';
import { useFixture } from './fixture-hooks';
import { ConnectOptions, TestClient } from './ws-client';

/** How `useHerald()` boots its app. */
export interface HeraldFixtureOptions {
  /**
   * Boot a fresh app before each test and close it after, instead of one
   * app for the describe block: for tests that need an empty database, or
   * that close the app themselves (closing twice is harmless).
   */
  perTest?: boolean;
  /** The embedded deployment: SQLite in a temporary directory, in-process broadcaster and presence (see `TestAppOptions`). */
  embedded?: boolean;
}

/** A Herald app in this process, and the sockets its tests open. */
export interface HeraldFixture {
  /** The running app; available inside tests and hooks. */
  readonly app: TestApp;
  /** Opens a socket with a user token for `sub` (`options.token` overrides it), waits for `ready`, and closes it after the test. */
  connect(sub: string, options?: ConnectOptions): Promise<TestClient>;
}

/**
 * Registers the usual hooks: boot Herald (`createTestApp`) before the
 * block, or before each test with `perTest`; close every socket a test
 * opened after it; close the app after the block (or the test).
 *
 * `env` overrides the harness's defaults; pass a function when a value is
 * known only once an earlier hook ran (a private server's URL). Fixtures
 * given the same `REDIS_PREFIX` are instances of one deployment: they share
 * groups and a database. They boot one after another, in the order they
 * were declared.
 */
export function useHerald(env: HeraldEnv | (() => HeraldEnv) = {}, options: HeraldFixtureOptions = {}): HeraldFixture {
  const fixture = useFixture<TestApp>({
    name: 'useHerald().app',
    start: () => createTestApp(typeof env === 'function' ? env() : env, { embedded: options.embedded }),
    stop: (app) => app.close(),
    wsUrl: (app) => app.wsUrl,
    perTest: options.perTest,
  });
  return {
    get app(): TestApp {
      return fixture.server;
    },
    connect: (sub, connectOptions) => fixture.connect(sub, connectOptions),
  };
}
