import { createTestApp, TestApp } from './create-test-app';
import { userToken } from './tokens';
import { ConnectOptions, TestClient } from './ws-client';

/** A Herald app shared by one describe block, and the sockets its tests open. */
export interface HeraldFixture {
  /** The running app; available inside tests and hooks. */
  readonly app: TestApp;
  /** Opens a socket with a user token for `sub` (`options.token` overrides it), waits for `ready`, and closes it after the test. */
  connect(sub: string, options?: ConnectOptions): Promise<TestClient>;
}

/**
 * Registers the usual hooks: boot Herald before the block (with `env`
 * overrides), close every socket a test opened after it, close the app at
 * the end.
 */
export function useHerald(env: Record<string, string | undefined> = {}): HeraldFixture {
  let app: TestApp | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    app = await createTestApp(env);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await app?.close();
  });
  const fixture: HeraldFixture = {
    get app(): TestApp {
      if (!app) throw new Error('useHerald().app is only available inside tests and hooks');
      return app;
    },
    async connect(sub, options) {
      const client = await TestClient.connect(fixture.app.wsUrl, { token: userToken(sub), ...options });
      clients.push(client);
      return client;
    },
  };
  return fixture;
}
