import { BrowserContext, Page } from 'playwright-core';
import { serviceToken, userToken } from '../support/tokens';
import { freshUser, openPage, useBrowser, waitForConnection, WatchedPage, withToken } from './browser-harness';

const XSS = '<img src=x onerror=alert(1)>';

/** The page's globals used inside `page.waitForFunction` (the project compiles without the DOM lib). */
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null;
};

/**
 * Waits until the badge counts exactly the unread rows on screen and the
 * rows with `ids` are in the state given. Counting rows rather than
 * expecting a number keeps the test true whatever broadcasts earlier tests
 * of the file stored (broadcasts reach every feed).
 */
async function waitForInbox(page: Page, ids: string[], read: boolean): Promise<number> {
  const handle = await page.waitForFunction(
    ({ ids, read }) => {
      const unread = document.querySelectorAll('#feed .note.unread').length;
      const badge = document.getElementById('unread')!;
      const rowsReady = ids.every((id) => document.querySelector(`#feed .note[data-id="${id}"]`)?.getAttribute('data-read') === String(read));
      return rowsReady && badge.textContent === String(unread) && badge.dataset.count === String(unread) ? unread + 1 : 0;
    },
    { ids, read },
  );
  return (await handle.jsonValue()) - 1;
}

/** The inbox at `/` in a real Chromium against real MySQL and Redis. */
describe('web client: inbox', () => {
  const web = useBrowser();
  const newContext = (): Promise<BrowserContext> => web.newContext();
  const notify = async (recipient: string, body: Record<string, unknown> = {}): Promise<string> => {
    const response = await web.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type: 'browser.test', ...body })
      .expect(201);
    return response.body.ids[0] as string;
  };
  const openInbox = async (user: string, context?: BrowserContext): Promise<WatchedPage> => {
    const watched = await openPage(context ?? (await newContext()), withToken(web.app.baseUrl, '/', userToken(user)));
    await waitForConnection(watched.page, 'live');
    return watched;
  };

  it('shows a notification POSTed over REST without a reload, on top, and counts it in the badge', async () => {
    const user = await freshUser(web.app, 'dana');
    const older = await notify(user, { payload: { text: 'the older one' } });
    const { page, errors } = await openInbox(user);
    await waitForInbox(page, [older], false);

    const id = await notify(user, { actor: 'billing', payload: { text: 'Invoice INV-7 was paid' } });

    const unread = await waitForInbox(page, [older, id], false);
    expect(unread).toBeGreaterThanOrEqual(2);
    const row = page.locator(`#feed .note[data-id="${id}"]`);
    expect(await row.locator('.note-title').textContent()).toBe('browser.test from billing');
    expect(await row.locator('.note-text').textContent()).toBe('Invoice INV-7 was paid');
    const ids = await page.locator('#feed .note').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    expect(ids.indexOf(id)).toBeLessThan(ids.indexOf(older));
    expect(errors).toEqual([]);
  });

  it('pages older notifications in with "load more" after the first 20', async () => {
    const user = await freshUser(web.app, 'erin');
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push(await notify(user, { payload: { text: `n${i}` } }));
    const { page } = await openInbox(user);
    await page.locator(`#feed .note[data-id="${ids[21]}"]`).waitFor();
    expect(await page.locator(`#feed .note[data-id="${ids[0]}"]`).count()).toBe(0);

    await page.locator('#load-more').click();

    await page.locator(`#feed .note[data-id="${ids[0]}"]`).waitFor();
    const shown = await page.locator('#feed .note').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    expect(shown.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });

  it('marks one notification read in one tab and the other tab follows, then mark-all in the other tab and the first follows', async () => {
    const user = await freshUser(web.app, 'frank');
    const first = await notify(user);
    const second = await notify(user);
    const context = await newContext();
    const tabA = await openInbox(user, context);
    const tabB = await openInbox(user, context);
    await waitForInbox(tabA.page, [first, second], false);
    await waitForInbox(tabB.page, [first, second], false);

    await tabA.page.locator(`#feed .note[data-id="${first}"] .mark-read`).click();

    await waitForInbox(tabB.page, [first], true);
    await waitForInbox(tabB.page, [second], false);

    await tabB.page.locator('#read-all').click();

    expect(await waitForInbox(tabA.page, [first, second], true)).toBe(0);
    expect([...tabA.errors, ...tabB.errors]).toEqual([]);
  });

  it('renders a notification whose fields look like HTML as literal text, creating no element and firing no dialog', async () => {
    const user = await freshUser(web.app, 'gina');
    const { page, dialogs } = await openInbox(user);

    const id = await notify(user, { type: XSS, actor: XSS, payload: { text: XSS } });

    const row = page.locator(`#feed .note[data-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('.note-title strong').textContent()).toBe(XSS);
    expect(await row.locator('.note-title .muted').textContent()).toBe(`from ${XSS}`);
    expect(await row.locator('.note-text').textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
