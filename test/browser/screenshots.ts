/**
 * `npm run screenshots`: boots Herald in embedded mode (a throwaway SQLite
 * file, in-process broadcaster: no MySQL or Redis needed), fills it with a
 * little demo data through the pages and the API, and saves
 * docs/screenshots/*.png at a desktop and a phone width.
 */
import { join, resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { createTestApp, TestApp } from '../support/create-test-app';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { launchChromium, waitForConnection, withToken } from './browser-harness';

/** npm runs scripts in the package root. */
const OUT = resolve('docs', 'screenshots');
const DESKTOP = { width: 1100, height: 720 };
const PHONE = { width: 390, height: 760 };

async function open(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`wrote ${join(OUT, `${name}.png`)}`);
}

async function seedInbox(app: TestApp, user: string): Promise<void> {
  const post = (path: string, body: object, bearer = serviceToken('billing-service')) =>
    app.http().post(path).set('authorization', `Bearer ${bearer}`).send(body).expect(201);
  await post('/notifications', {
    recipients: [user],
    type: 'invoice.paid',
    actor: 'billing',
    title: 'Invoice INV-7 was paid',
    body: '120.00 EUR received by bank transfer.',
    category: 'billing',
    url: '/invoices/INV-7',
    payload: { invoice: 'INV-7' },
  });
  await post('/notifications', {
    recipients: [user],
    type: 'comment.created',
    actor: 'bob',
    title: 'Bob commented on “Rollout plan”',
    body: 'Looks good to me, ship it!',
    category: 'comments',
    actions: [
      { id: 'reply', label: 'Reply', url: '/posts/7#reply' },
      { id: 'like', label: 'Like' },
    ],
  });
  await post(
    '/notifications/broadcast',
    { type: 'maintenance', actor: 'ops', payload: { text: 'Planned maintenance tonight 22:00-22:15 UTC' } },
    adminToken('ops'),
  );
  await post('/notifications', {
    recipients: [user],
    type: 'build.failed',
    actor: 'ci',
    title: 'Build 4412 failed on main',
    severity: 'critical',
    category: 'ci',
    actions: [{ id: 'open', label: 'Open the run', url: 'https://ci.example.com/runs/4412' }],
    payload: { pipeline: 'web', branch: 'main', run: 4412 },
  });
  await post('/notifications', {
    recipients: [user],
    type: 'mention',
    actor: 'carol',
    title: 'Carol mentioned you',
    body: '@alice can you review the rollout plan?',
    category: 'comments',
    severity: 'high',
  });
}

async function main(): Promise<void> {
  const app = await createTestApp({}, { embedded: true });
  const browser = await launchChromium();
  try {
    await seedInbox(app, 'alice');
    const alice = userToken('alice');
    for (const [suffix, viewport] of [
      ['', DESKTOP],
      ['-phone', PHONE],
    ] as const) {
      const inbox = await open(browser, withToken(app.baseUrl, '/', alice), viewport);
      await waitForConnection(inbox, 'live');
      await inbox.locator('#feed .note').nth(4).waitFor();
      if (suffix === '') {
        await inbox.locator('#feed .note', { hasText: 'Invoice INV-7 was paid' }).locator('.mark-read').click();
        await inbox.locator('#feed .note[data-read="true"]', { hasText: 'Invoice INV-7 was paid' }).waitFor();
      }
      await inbox
        .locator('#unread')
        .filter({ hasText: /^[1-9]/ })
        .waitFor();
      await inbox.evaluate('window.scrollTo(0, 0)');
      await shoot(inbox, `inbox${suffix}`);
      await inbox.context().close();
    }

    const signIn = await open(browser, `${app.baseUrl}/`, PHONE);
    await signIn.locator('#dev-token-form').waitFor();
    await shoot(signIn, 'sign-in-phone');
    await signIn.context().close();

    const picker = await open(browser, withToken(app.baseUrl, '/chat/', alice), DESKTOP);
    await waitForConnection(picker, 'live');
    await shoot(picker, 'chat');
    await picker.context().close();

    const room = '/chat/lobby/';
    const people = await Promise.all(['bob', 'carol'].map((user) => open(browser, withToken(app.baseUrl, room, userToken(user)), DESKTOP)));
    const say = async (page: Page, text: string) => {
      await page.locator('#message:enabled').fill(text);
      await page.locator('#message').press('Enter');
      await page.locator('#log .message', { hasText: text }).waitFor();
    };
    await say(people[0], 'Morning! Is the deploy still on for today?');
    await say(people[1], 'Yes, after the maintenance window.');
    for (const [suffix, viewport] of [
      ['', DESKTOP],
      ['-phone', PHONE],
    ] as const) {
      const page = await open(browser, withToken(app.baseUrl, room, alice), viewport);
      await page.locator('#members li', { hasText: 'carol' }).waitFor();
      if (suffix === '') await say(page, 'Great, I will watch the dashboards.');
      else await page.locator('#log .message', { hasText: 'dashboards' }).waitFor();
      await page.locator('#message').fill(suffix === '' ? '' : 'On my way');
      await shoot(page, `room${suffix}`);
      await page.context().close();
    }
    await Promise.all(people.map((page) => page.context().close()));

    const admin = await open(browser, withToken(app.baseUrl, '/admin/', adminToken('root')), DESKTOP);
    const form = admin.locator('#broadcast-form');
    await form.locator('[name=payload]').fill('{"text": "Planned maintenance tonight 22:00-22:15 UTC"}');
    await form.locator('[name=actor]').fill('ops');
    await form.locator('button[type=submit]').click();
    await form.locator('.result[data-kind=ok]').waitFor();
    await admin.locator('#targeted-form [name=recipients]').fill('alice, bob');
    await admin.locator('#targeted-form [name=payload]').fill('{"text": "Your export is ready"}');
    await admin.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await admin.locator('h1').click();
    await shoot(admin, 'admin');
    await admin.context().close();
  } finally {
    await browser.close();
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
