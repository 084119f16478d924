import { createServer, connect, Server, Socket } from 'node:net';
import { Browser, BrowserContext, chromium, ConsoleMessage, Page } from 'playwright-core';
import { TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/** Debian's Chromium; playwright-core downloads no browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** How long a browser-side wait may take before the test fails with a readable error (jest's limit is 30 s). */
export const WAIT_MS = 10_000;

/** One headless Chromium for a test file. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A Herald app and one Chromium shared by a describe block. */
export interface BrowserFixture {
  /** The running app; available inside tests and hooks. */
  readonly app: TestApp;
  /** A fresh browser context (its own cookies and sessionStorage), closed after the test. */
  newContext(): Promise<BrowserContext>;
}

/**
 * Registers the usual hooks of a browser suite: `useHerald()`, and a
 * Chromium launched before the block; close the test's contexts after each
 * test, and Chromium at the end.
 */
export function useBrowser(): BrowserFixture {
  const herald = useHerald();
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get app(): TestApp {
      return herald.app;
    },
    async newContext() {
      if (!browser) throw new Error('useBrowser().newContext() is only available inside tests and hooks');
      const context = await browser.newContext();
      contexts.push(context);
      return context;
    },
  };
}

/** A page and what it did that a test may want to forbid. */
export interface WatchedPage {
  page: Page;
  /** Messages of every `alert`/`confirm`/`prompt` the page opened (each dismissed). */
  dialogs: string[];
  /** Uncaught exceptions and console errors (CSP violations are reported there). */
  errors: string[];
}

/** Opens `url` in a new page of `context`, recording dialogs and errors. */
export async function openPage(context: BrowserContext, url: string): Promise<WatchedPage> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const watched: WatchedPage = { page, dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => watched.errors.push(`uncaught: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') watched.errors.push(message.text());
  });
  await page.goto(url);
  return watched;
}

/** `base + path` with the token in the fragment, the way an OAuth implicit-flow redirect hands it over. */
export function withToken(base: string, path: string, token: string): string {
  return `${base}${path}#access_token=${token}`;
}

/**
 * A unique user id whose feed starts with nothing unread: broadcasts reach
 * every feed, so those that earlier tests of the file stored are marked
 * read first.
 */
export async function freshUser(app: TestApp, label: string): Promise<string> {
  const user = unique(label);
  await app
    .http()
    .post('/notifications/read-all')
    .set('authorization', `Bearer ${userToken(user)}`)
    .expect(204);
  return user;
}

/** Waits until the page's connection badge shows `state`. */
export async function waitForConnection(page: Page, state: 'connecting' | 'live' | 'reconnecting' | 'signed-out'): Promise<void> {
  await page.locator(`#connection[data-state="${state}"]`).waitFor();
}

/**
 * A TCP relay between the browser and a Herald instance, so a test can cut
 * the browser off (refusing connections), swap the instance behind it, and
 * let it back in, without the page knowing anything but its one origin.
 */
export class TcpRelay {
  private readonly connections = new Set<Socket>();
  private refusing = false;

  private constructor(
    private readonly server: Server,
    private targetPort: number,
  ) {
    server.on('connection', (client) => {
      if (this.refusing) return client.destroy();
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.connections.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.connections.delete(from);
          to.destroy();
        });
      }
    });
  }

  static async start(targetPort: number): Promise<TcpRelay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpRelay(server, targetPort);
  }

  /** `http://127.0.0.1:<relay port>` */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** Refuses new connections; open ones carry on (so a server's close frame still reaches the page). */
  refuseNew(): void {
    this.refusing = true;
  }

  /** Accepts connections again, relayed to `targetPort`. */
  restore(targetPort: number = this.targetPort): void {
    this.targetPort = targetPort;
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.refusing = true;
    this.connections.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The port of a running test app. */
export function portOf(app: TestApp): number {
  return Number(new URL(app.baseUrl).port);
}
