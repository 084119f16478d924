import { within } from './within';
import { userToken } from './tokens';
import { ConnectOptions, TestClient } from './ws-client';

/** How long a test socket may take to finish its closing handshake before it is terminated. */
const SOCKET_CLOSE_MS = 5_000;

/** How `useFixture` starts, stops and reaches one server. */
export interface FixtureLifecycle<T> {
  /** Names the fixture in errors, e.g. `useHerald()`. */
  name: string;
  start(): Promise<T>;
  stop(server: T): Promise<void>;
  /** Where `connect()` opens its sockets. */
  wsUrl(server: T): string;
  /** A fresh server for each test instead of one for the block. */
  perTest?: boolean;
  /** Timeout of the start and stop hooks, ms; jest's default when omitted. */
  hookTimeoutMs?: number;
}

/** A server the hooks keep running, and the sockets tests open to it. */
export interface Fixture<T> {
  /** The running server; available inside tests and hooks. */
  readonly server: T;
  /** Opens a socket with a user token for `sub` (`options.token` overrides it), waits for `ready`, and closes it after the test. */
  connect(sub: string, options?: ConnectOptions): Promise<TestClient>;
}

/**
 * Registers the hooks of one fixture in the calling describe block: start
 * the server before the block (before each test with `perTest`), close
 * every socket a test opened after that test, stop the server after the
 * block (after each test). Jest runs `after*` hooks of one block in the
 * order they were declared, so a fixture that depends on another belongs
 * in a nested describe.
 */
export function useFixture<T>(lifecycle: FixtureLifecycle<T>): Fixture<T> {
  let server: T | undefined;
  const clients: TestClient[] = [];
  const start = async () => {
    server = await lifecycle.start();
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running !== undefined) await lifecycle.stop(running);
  };
  const closeSockets = async () => {
    await Promise.all(clients.splice(0).map(closeSocket));
  };
  if (lifecycle.perTest) {
    beforeEach(start, lifecycle.hookTimeoutMs);
    afterEach(async () => {
      await closeSockets();
      await stop();
    }, lifecycle.hookTimeoutMs);
  } else {
    beforeAll(start, lifecycle.hookTimeoutMs);
    afterEach(closeSockets);
    afterAll(stop, lifecycle.hookTimeoutMs);
  }
  const fixture: Fixture<T> = {
    get server(): T {
      if (server === undefined) throw new Error(`${lifecycle.name} is only available inside tests and hooks, once it started`);
      return server;
    },
    async connect(sub, options) {
      const client = await TestClient.connect(lifecycle.wsUrl(fixture.server), { token: userToken(sub), ...options });
      clients.push(client);
      return client;
    },
  };
  return fixture;
}

/** Closes a test socket; one whose server no longer answers (frozen, killed mid-handshake) is terminated. */
async function closeSocket(client: TestClient): Promise<void> {
  await within(client.close(), SOCKET_CLOSE_MS, 'closing a test socket').catch(() => client.socket.terminate());
}
