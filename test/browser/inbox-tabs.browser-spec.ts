import { BrowserContext } from 'playwright-core';
import { serviceToken, userToken } from '../support/tokens';
import { InboxClient } from '../support/inbox-client';
import { freshUser, openPage, useBrowser, waitForConnection, WatchedPage, withToken } from './browser-harness';

const XSS = '<img src=x onerror=alert(1)>';

/** The inbox's tabs, marks, actions, preferences and rendering rules, in a real Chromium against real MySQL and Redis. */
describe('web client: inbox tabs, archive, actions and preferences', () => {
  const web = useBrowser();
  const inbox = new InboxClient(() => web.app);
  const notify = async (recipient: string, body: Record<string, unknown> = {}): Promise<string> => (await inbox.notify([recipient], body))[0];
  const open = async (user: string, path = '/', context?: BrowserContext): Promise<WatchedPage> => {
    const watched = await openPage(context ?? (await web.newContext()), withToken(web.app.baseUrl, path, userToken(user)));
    await waitForConnection(watched.page, 'live');
    return watched;
  };

  it('shows a tab per category with its unread badge, and lists only that category in it', async () => {
    const user = await freshUser(web.app, 'tabs');
    const comment = await notify(user, { category: 'comments', title: 'A comment' });
    const bill = await notify(user, { category: 'billing', title: 'A bill' });
    await notify(user, { category: 'billing', title: 'Another bill' });
    const { page, errors } = await open(user);

    await page.locator('.tab[data-tab="billing"] .tab-badge[data-count="2"]').waitFor();
    await page.locator('.tab[data-tab="comments"] .tab-badge[data-count="1"]').waitFor();
    await page.locator('.tab[data-tab="billing"]').click();

    await page.locator(`#feed .note[data-id="${bill}"]`).waitFor();
    expect(await page.locator(`#feed .note[data-id="${comment}"]`).count()).toBe(0);
    const live = await notify(user, { category: 'comments' });
    const liveBill = await notify(user, { category: 'billing' });
    await page.locator(`#feed .note[data-id="${liveBill}"]`).waitFor();
    expect(await page.locator(`#feed .note[data-id="${live}"]`).count()).toBe(0);
    await page.locator('.tab[data-tab="comments"] .tab-badge[data-count="2"]').waitFor();
    expect(errors).toEqual([]);
  });

  it('marks unseen rows and clears the mark once they were shown', async () => {
    const user = await freshUser(web.app, 'unseen');
    const id = await notify(user);
    const { page } = await open(user);

    await page.locator(`#feed .note.unseen[data-id="${id}"]`).waitFor();
    await page.locator(`#feed .note[data-id="${id}"][data-seen="true"]`).waitFor();
    expect((await inbox.feed(user)).items.find((item) => item.id === id)?.seenAt).toEqual(expect.any(String));
    expect(await page.locator(`#feed .note[data-id="${id}"]`).getAttribute('class')).not.toContain('unseen');
  });

  it('archives a row into the Archived view, brings it back, deletes one, marks one unread, and another tab follows', async () => {
    const user = await freshUser(web.app, 'archive');
    const [kept, archived, deleted] = [await notify(user), await notify(user), await notify(user)];
    const context = await web.newContext();
    const tab = await open(user, '/', context);
    const other = await open(user, '/', context);
    await other.page.locator(`#feed .note[data-id="${deleted}"]`).waitFor();

    await tab.page.locator(`#feed .note[data-id="${archived}"] .archive`).click();
    await tab.page.locator(`#feed .note[data-id="${archived}"]`).waitFor({ state: 'detached' });
    await other.page.locator(`#feed .note[data-id="${archived}"]`).waitFor({ state: 'detached' });
    await tab.page.locator(`#feed .note[data-id="${deleted}"] .delete`).click();
    await other.page.locator(`#feed .note[data-id="${deleted}"]`).waitFor({ state: 'detached' });
    await tab.page.locator(`#feed .note[data-id="${kept}"] .mark-read`).click();
    await other.page.locator(`#feed .note[data-id="${kept}"][data-read="true"]`).waitFor();
    await tab.page.locator(`#feed .note[data-id="${kept}"] .mark-unread`).click();
    await other.page.locator(`#feed .note[data-id="${kept}"][data-read="false"]`).waitFor();

    await tab.page.locator('.tab[data-tab="archived"]').click();
    await tab.page.locator(`#feed .note[data-id="${archived}"]`).waitFor();
    expect(await tab.page.locator('#feed .note').count()).toBe(1);
    await tab.page.locator(`#feed .note[data-id="${archived}"] .unarchive`).click();
    await tab.page.locator(`#feed .note[data-id="${archived}"]`).waitFor({ state: 'detached' });
    expect(await inbox.feedIds(user)).toEqual([archived, kept]);
    expect([...tab.errors, ...other.errors]).toEqual([]);
  });

  it('renders title, body, url, severity and up to two action buttons; a button marks the notification read', async () => {
    const user = await freshUser(web.app, 'actions');
    const id = await notify(user, {
      title: 'Deploy failed',
      body: 'Build 42 broke',
      url: 'https://ci.example.com/builds/42',
      severity: 'critical',
      actions: [
        { id: 'retry', label: 'Retry', url: '/builds/42/retry' },
        { id: 'ack', label: 'Acknowledge' },
      ],
    });
    const { page } = await open(user);
    const row = page.locator(`#feed .note[data-id="${id}"]`);
    await row.waitFor();

    expect(await row.locator('.note-link').getAttribute('href')).toBe('https://ci.example.com/builds/42');
    expect(await row.locator('.note-title strong').textContent()).toBe('Deploy failed');
    expect(await row.locator('.note-text').textContent()).toBe('Build 42 broke');
    expect(await row.locator('.severity').textContent()).toBe('critical');
    expect(await row.locator('.note-meta time').textContent()).toBe('just now');
    expect(await row.locator('a.action[data-action="retry"]').getAttribute('href')).toBe('/builds/42/retry');
    await row.locator('button.action[data-action="ack"]').click();
    await page.locator(`#feed .note[data-id="${id}"][data-read="true"]`).waitFor();
    expect((await inbox.feed(user)).items.find((item) => item.id === id)?.readAt).toEqual(expect.any(String));
  });

  it('renders HTML in title, body and action labels as text, and never links a javascript: url', async () => {
    const user = await freshUser(web.app, 'xss');
    const { page, dialogs } = await open(user);
    const id = await notify(user, { title: XSS, body: XSS, actions: [{ id: 'x', label: XSS.slice(0, 40) }] });
    // The API refuses javascript: urls; a row that somehow had one must still not link it.
    await web.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [user], type: 't', url: 'javascript:alert(1)' })
      .expect(400);
    await inbox
      .database()
      .query("UPDATE notifications SET url = 'javascript:alert(1)', actions = ? WHERE id = ?", [
        JSON.stringify([{ id: 'x', label: XSS.slice(0, 40), url: 'javascript:alert(2)' }]),
        id,
      ]);
    await page.reload();
    await waitForConnection(page, 'live');

    const row = page.locator(`#feed .note[data-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('.note-title strong').textContent()).toBe(XSS);
    expect(await row.locator('.note-text').textContent()).toBe(XSS);
    expect(await row.locator('.action').textContent()).toBe(XSS.slice(0, 40));
    expect(await row.locator('a').count()).toBe(0);
    await row.locator('.action').click();
    await row.locator('.note-title strong').click();
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('mutes a category on /preferences/, which the inbox then leaves out of the badge and the live list', async () => {
    const user = await freshUser(web.app, 'prefs');
    await notify(user, { category: 'promo' });
    const prefs = await open(user, '/preferences/');
    const box = prefs.page.locator('.category-pref[data-category="promo"] input[name="muted"]');
    await box.check();
    await prefs.page.locator('.category-pref[data-category="promo"][data-saved="true"]').waitFor();
    expect(await inbox.preferences(user)).toEqual({ categories: { general: { muted: false }, promo: { muted: true } } });

    const { page } = await open(user);
    await page.locator('#unread[data-count="0"]').waitFor();
    await page.locator('.tab[data-tab="promo"] .tab-badge[data-count="1"]').waitFor();
    const quiet = await notify(user, { category: 'promo' });
    const marker = await notify(user);
    await page.locator(`#feed .note[data-id="${marker}"]`).waitFor();
    expect(await page.locator(`#feed .note[data-id="${quiet}"]`).count()).toBe(0);
    await page.locator('.tab[data-tab="promo"] .tab-badge[data-count="2"]').waitFor();
    expect(prefs.errors).toEqual([]);
  });
});
