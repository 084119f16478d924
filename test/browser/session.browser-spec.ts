import { BrowserContext } from 'playwright-core';
import { createTestApp, TestApp } from '../support/create-test-app';
import { acquireTestDatabase, releaseTestDatabase } from '../support/test-database';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { freshUser, openPage, portOf, TcpRelay, useBrowser, WAIT_MS, waitForConnection, withToken } from './browser-harness';

const PAGES = ['/', '/chat/', '/chat/lobby/', '/admin/'];

/** The page's globals used inside `page.evaluate` and init scripts (the project compiles without the DOM lib). */
interface PageElement {
  id: string;
  dataset: Record<string, string | undefined>;
}
declare const window: { connectionStates: string[] };
declare const document: object;
declare const sessionStorage: { getItem(key: string): string | null };
declare class MutationObserver {
  constructor(callback: (records: Array<{ target: PageElement }>) => void);
  observe(target: object, options: { subtree: boolean; attributes: boolean; attributeFilter: string[] }): void;
}

/** Runs in the page before its scripts: records every value the connection badge takes, in `window.connectionStates`. */
function recordConnectionStates(): void {
  const states: string[] = [];
  window.connectionStates = states;
  new MutationObserver((records) => {
    for (const { target } of records) {
      if (target.id === 'connection') states.push(target.dataset.state ?? '');
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}

/** Sign-in, sign-out, the connection state, reconnect and resume, and how the pages are served. */
describe('web client: session and connection', () => {
  const web = useBrowser();
  const newContext = (): Promise<BrowserContext> => web.newContext();
  const notify = async (instance: TestApp, recipient: string, type: string): Promise<string> => {
    const response = await instance
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type })
      .expect(201);
    return response.body.ids[0] as string;
  };

  it('signs in from #access_token, removes it from the address bar, keeps the session across a reload, and signs out', async () => {
    const user = unique('hana');
    const { page, errors } = await openPage(await newContext(), withToken(web.app.baseUrl, '/?tab=1', userToken(user)));
    await waitForConnection(page, 'live');
    expect(page.url()).toBe(`${web.app.baseUrl}/?tab=1`);
    expect(await page.locator('#who').textContent()).toBe(user);

    await page.reload();
    await waitForConnection(page, 'live');
    expect(await page.locator('#who').textContent()).toBe(user);

    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor();
    await waitForConnection(page, 'signed-out');
    await page.reload();
    await page.locator('#paste-form').waitFor();
    expect(await page.locator('#who').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('signs in with the dev-token form and returns to the page that sent the user to sign in', async () => {
    const user = unique('ivan');
    const { page, errors } = await openPage(await newContext(), `${web.app.baseUrl}/admin/`);
    await page.locator('#admins-only a', { hasText: 'Sign in' }).click();
    const form = page.locator('#dev-token-form');
    await form.locator('[name=sub]').fill(user);
    await form.locator('[name=roles][value=admin]').check();
    await form.locator('button[type=submit]').click();

    await page.waitForURL(`${web.app.baseUrl}/admin/`);
    await page.locator('#broadcast-form').waitFor();
    expect(await page.locator('#who').textContent()).toBe(user);
    expect(errors).toEqual([]);
  });

  it('signs in with a pasted token', async () => {
    const user = unique('june');
    const { page, errors } = await openPage(await newContext(), `${web.app.baseUrl}/`);
    await page.locator('#paste-form textarea').fill(userToken(user));
    await page.locator('#paste-form button[type=submit]').click();
    await waitForConnection(page, 'live');
    expect(await page.locator('#who').textContent()).toBe(user);
    expect(errors).toEqual([]);
  });

  describe('with AUTH_DEV_TOKENS=false', () => {
    const closed = useHerald({ AUTH_DEV_TOKENS: 'false' });

    it('hides the dev-token form when the server does not serve POST /auth/dev-token', async () => {
      const { page } = await openPage(await newContext(), `${closed.app.baseUrl}/`);
      await page.locator('#sign-in[data-dev-tokens="off"]').waitFor();
      expect(await page.locator('#dev-token-form').isVisible()).toBe(false);
      expect(await page.locator('#paste-form').isVisible()).toBe(true);
    });
  });

  it('shows reconnecting when the server goes away (1001), reconnects to a new instance with since=<last id>, and shows what it missed', async () => {
    // The page talks to one origin, a relay; behind it the instance is closed and replaced by
    // another instance of the same deployment (same database and Redis prefix). Both are booted
    // here rather than by useHerald(): the second must start only once the first has gone, and
    // the database is acquired explicitly so that it outlives the first instance.
    const deployment = { REDIS_PREFIX: `${unique('herald-web')}:` };
    const databaseUrl = await acquireTestDatabase(deployment.REDIS_PREFIX);
    const first = await createTestApp({ ...deployment, DATABASE_URL: databaseUrl });
    const relay = await TcpRelay.start(portOf(first));
    const instances = [first];
    try {
      const user = await freshUser(first, 'kim');
      const token = userToken(user);
      const page = await (await newContext()).newPage();
      page.setDefaultTimeout(WAIT_MS);
      const sockets: string[] = [];
      page.on('websocket', (socket) => sockets.push(socket.url()));
      await page.goto(withToken(relay.baseUrl, '/', token));
      await waitForConnection(page, 'live');
      const seen = await notify(first, user, 'before.outage');
      await page.locator(`#feed .note[data-id="${seen}"]`).waitFor();

      relay.refuseNew();
      await first.close(); // closes the page's socket with 1001 Going Away, through the relay
      instances.shift();
      await waitForConnection(page, 'reconnecting');
      const second = await createTestApp({ ...deployment, DATABASE_URL: databaseUrl });
      instances.push(second);
      const missed = await notify(second, user, 'during.outage');
      relay.restore(portOf(second));

      await waitForConnection(page, 'live');
      await page.locator(`#feed .note.unread[data-id="${missed}"]`).waitFor();
      expect(new URL(sockets[0]).searchParams.has('since')).toBe(false);
      const resumed = new URL(sockets[sockets.length - 1]);
      expect(resumed.searchParams.get('since')).toBe(seen);
      expect(resumed.searchParams.get('access_token')).toBe(token);
    } finally {
      await relay.close();
      await Promise.all(instances.map((instance) => instance.close()));
      await releaseTestDatabase(databaseUrl);
    }
  });

  it("goes straight to the signed-out state, without retrying, when the server closes the socket with 4401 at the token's expiry", async () => {
    const context = await newContext();
    await context.addInitScript(recordConnectionStates);
    // The token's 4 s must cover connecting, not creating the page and fetching its assets, which
    // takes longer than that on a busy machine: load the page once first, then sign in with a
    // token minted just before (a new document, so the recorded states start afresh).
    const { page } = await openPage(context, `${web.app.baseUrl}/`);
    await page.locator('#sign-in').waitFor();
    await page.goto(withToken(web.app.baseUrl, '/?expiring', userToken(unique('lee'), 4)));
    await waitForConnection(page, 'live');

    await waitForConnection(page, 'signed-out');

    await page.locator('#notice', { hasText: 'token expired' }).waitFor();
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('herald.accessToken'))).toBeNull();
    const states = await page.evaluate(() => window.connectionStates);
    expect(states.filter((state, i) => state !== states[i - 1])).toEqual(['connecting', 'live', 'signed-out']);
  });

  it('serves every page with a strict CSP, nosniff and no-referrer, and the pages load with no CSP violation or script error', async () => {
    const token = userToken(unique('mona'));
    const context = await newContext();
    for (const path of PAGES) {
      const response = await web.app.http().get(path).expect(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toMatch(/(^|; )script-src 'self'(;|$)/);
      expect(response.headers['content-security-policy']).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(response.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');

      const { page, errors } = await openPage(context, withToken(web.app.baseUrl, path, token));
      await waitForConnection(page, 'live');
      expect(errors).toEqual([]);
      await page.close();
    }
    const script = await web.app.http().get('/assets/herald-client.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
  });

  it("redirects slash-less page URLs, answers 404 for unknown assets and bad room names, and leaves the API's JSON 404 alone", async () => {
    expect((await web.app.http().get('/chat?x=1').expect(308)).headers.location).toBe('/chat/?x=1');
    expect((await web.app.http().get('/chat/lobby').expect(308)).headers.location).toBe('/chat/lobby/');
    expect((await web.app.http().get('/admin').expect(308)).headers.location).toBe('/admin/');
    await web.app
      .http()
      .get('/chat/bad%20room/')
      .expect(404)
      .expect('content-type', /text\/html/);
    await web.app.http().get('/assets/nope.js').expect(404).expect('content-type', /json/);
    await web.app.http().get('/assets/..%2Fchat.html').expect(404);
    const api = await web.app.http().get('/no-such-route').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await web.app.http().get('/notifications').expect(401);
    const page = await web.app.http().get('/').expect(200);
    await web.app.http().get('/').set('if-none-match', page.headers.etag).expect(304);
  });
});
