import { Page } from 'playwright-core';
import { decode, JwtPayload } from 'jsonwebtoken';
import { expectEventually } from '../support/expect-eventually';
import { unique } from '../support/test-env';
import { serviceToken, token, userToken } from '../support/tokens';
import { openPage, useBrowser, waitForConnection, withToken } from './browser-harness';

jest.setTimeout(45_000);

/** The events of the frames a page sent and received on its sockets, in order. */
function recordFrames(page: Page): { sent: string[]; received: Array<{ event: string; data: any }> } {
  const frames = { sent: [] as string[], received: [] as Array<{ event: string; data: any }> };
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => frames.sent.push((JSON.parse(String(payload)) as { event: string }).event));
    socket.on('framereceived', ({ payload }) => frames.received.push(JSON.parse(String(payload)) as { event: string; data: any }));
  });
  return frames;
}

const expOf = (jwt: string): number => (decode(jwt) as JwtPayload).exp as number;

/** Token expiry in the web client: a dev-token session renews itself, a pasted token says when it ends. */
describe('web client: token expiry', () => {
  const web = useBrowser();

  it('renews a dev-token session on auth.expiring with auth.refresh, stays live past the first exp, and keeps the new token', async () => {
    const user = unique('lena');
    const context = await web.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The sign-in form asks for the default hour; make it 6 s (page loads take seconds on a busy machine) so that
    // expiry comes within the test. Renewals ask for the same lifetime.
    const minted: string[] = [];
    await page.route('**/auth/dev-token', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as { ttl?: number };
      const response = await route.fetch({ postData: JSON.stringify({ ...body, ttl: body.ttl ?? 6 }) });
      const json = (await response.json()) as { token: string };
      minted.push(json.token);
      await route.fulfill({ response, json });
    });
    const frames = recordFrames(page);
    await page.goto(`${web.app.baseUrl}/`);
    const form = page.locator('#dev-token-form');
    await form.locator('[name=sub]').fill(user);
    await form.locator('button[type=submit]').click();
    await waitForConnection(page, 'live');
    const first = minted.find((jwt) => decode(jwt) && (decode(jwt) as JwtPayload).sub === user) as string;
    expect(expOf(first) - ((decode(first) as JwtPayload).iat as number)).toBe(6);
    expect(await page.locator('#session-expiry').isVisible()).toBe(false);

    // Two renewals: by the second one the first token is past its exp.
    await expectEventually(() => expect(frames.received.filter((f) => f.event === 'auth.refreshed').length).toBeGreaterThanOrEqual(2), 20_000);
    expect(Date.now()).toBeGreaterThan(expOf(first) * 1000);
    expect(frames.sent.filter((event) => event === 'auth.refresh').length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');

    const response = await web.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [user], type: 'after.renewal' })
      .expect(201);
    await page.locator(`#feed .note[data-id="${response.body.ids[0] as string}"]`).waitFor();

    // The tab kept the renewed token: a reload signs in with it although the first one expired.
    await page.reload();
    await waitForConnection(page, 'live');
    expect(await page.locator('#who').textContent()).toBe(user);
  });

  it('shows when a pasted token ends the session, since the page cannot renew it', async () => {
    const { page, errors } = await openPage(await web.newContext(), `${web.app.baseUrl}/`);
    await page.locator('#paste-form textarea').fill(userToken(unique('mira')));
    await page.locator('#paste-form button[type=submit]').click();
    await waitForConnection(page, 'live');
    expect(await page.locator('#session-expiry').textContent()).toMatch(/^session expires in (59 min|1 h)$/);
    expect(errors).toEqual([]);
  });

  it('marks a handed-over token expiring on auth.expiring, sends no auth.refresh, and signs out at exp', async () => {
    const context = await web.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const frames = recordFrames(page);
    await page.goto(withToken(web.app.baseUrl, '/', token({ sub: unique('nora'), ttl: 6 })));
    await waitForConnection(page, 'live');

    await page.locator('#session-expiry[data-soon="true"]').waitFor();
    expect(await page.locator('#session-expiry').textContent()).toMatch(/^session expires in \d s$/);
    await waitForConnection(page, 'signed-out');
    expect(frames.received.map((f) => f.event)).toContain('auth.expiring');
    expect(frames.sent).not.toContain('auth.refresh');
    expect(await page.locator('#session-expiry').isVisible()).toBe(false);
  });
});
