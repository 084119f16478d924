import { BrowserContext, Page } from 'playwright-core';
import { unique } from '../support/test-env';
import { adminToken, userToken } from '../support/tokens';
import { freshUser, openPage, useBrowser, waitForConnection, withToken } from './browser-harness';

/** The page's globals used inside `page.evaluate` (the project compiles without the DOM lib). */
declare const sessionStorage: { getItem(key: string): string | null };

/** POSTs a broadcast from inside the page with the tab's own session token; resolves with the HTTP status. */
function broadcastFromPage(page: Page, type: string): Promise<number> {
  return page.evaluate(async (type) => {
    const token = sessionStorage.getItem('herald.accessToken');
    const response = await fetch('/notifications/broadcast', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type }),
    });
    return response.status;
  }, type);
}

/** `/admin/` in a real Chromium against real MySQL and Redis. */
describe('web client: admin', () => {
  const web = useBrowser();
  const newContext = (): Promise<BrowserContext> => web.newContext();

  it('shows a user without the admin role "admins only" and no form, and the server refuses their broadcast with 403', async () => {
    const user = unique('mallory');
    const { page } = await openPage(await newContext(), withToken(web.app.baseUrl, '/admin/', userToken(user)));
    await waitForConnection(page, 'live');

    await page.locator('#admins-only', { hasText: 'Admins only' }).waitFor();
    expect(await page.locator('#admins-only').textContent()).toContain(user);
    expect(await page.locator('#admin-forms').isVisible()).toBe(false);
    expect(await page.locator('form:visible').count()).toBe(0);
    expect(await broadcastFromPage(page, unique('sneaky'))).toBe(403);
  });

  it('lets an admin send a broadcast and a targeted notification that an open inbox receives live', async () => {
    const reader = await freshUser(web.app, 'reader');
    const inbox = await openPage(await newContext(), withToken(web.app.baseUrl, '/', userToken(reader)));
    await waitForConnection(inbox.page, 'live');
    const admin = await openPage(await newContext(), withToken(web.app.baseUrl, '/admin/', adminToken(unique('root'))));
    const broadcastType = unique('maintenance');
    const targetedType = unique('direct');

    const broadcast = admin.page.locator('#broadcast-form');
    await broadcast.locator('[name=type]').fill(broadcastType);
    await broadcast.locator('[name=payload]').fill('{"text": "Down for maintenance at 22:00"}');
    await broadcast.locator('button[type=submit]').click();
    await broadcast.locator('.result[data-kind=ok]', { hasText: 'Sent broadcast' }).waitFor();

    const targeted = admin.page.locator('#targeted-form');
    await targeted.locator('[name=recipients]').fill(reader);
    await targeted.locator('[name=type]').fill(targetedType);
    await targeted.locator('[name=actor]').fill('ops');
    await targeted.locator('button[type=submit]').click();
    await targeted.locator('.result[data-kind=ok]', { hasText: 'Sent 1 notification' }).waitFor();

    const broadcastRow = inbox.page.locator('#feed .note.unread', { hasText: broadcastType });
    await broadcastRow.waitFor();
    expect(await broadcastRow.locator('.note-text').textContent()).toBe('Down for maintenance at 22:00');
    await inbox.page.locator('#feed .note.unread', { hasText: `${targetedType} from ops` }).waitFor();
    expect([...admin.errors, ...inbox.errors]).toEqual([]);
  });

  it("shows the server's refusal of an admin's invalid request, and a payload that is not JSON before sending", async () => {
    const { page } = await openPage(await newContext(), withToken(web.app.baseUrl, '/admin/', adminToken(unique('root'))));
    const targeted = page.locator('#targeted-form');
    const recipient = unique('twice');
    await targeted.locator('[name=recipients]').fill(`${recipient}, ${recipient}`);
    await targeted.locator('button[type=submit]').click();
    await targeted.locator('.result[data-kind=error]', { hasText: 'Refused: 400 Bad Request' }).waitFor();
    expect(await targeted.locator('.result').textContent()).toContain('unique');

    await targeted.locator('[name=payload]').fill('{not json');
    await targeted.locator('button[type=submit]').click();
    await targeted.locator('.result[data-kind=error]', { hasText: 'not valid JSON' }).waitFor();
  });
});
