import { BrowserContext } from 'playwright-core';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { openPage, useBrowser, waitForConnection, withToken } from './browser-harness';

const XSS = '<img src=x onerror=alert(1)>';

/** `/chat/` and `/chat/<room>/` in a real Chromium against real MySQL and Redis. */
describe('web client: chat', () => {
  const web = useBrowser();
  const newContext = (): Promise<BrowserContext> => web.newContext();

  it('lets two users in one room see each other in the member list and exchange messages sent with Enter', async () => {
    const room = unique('lobby');
    const alice = unique('alice');
    const bob = unique('bob');
    const a = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(alice)));
    await a.page.locator('#message:enabled').waitFor();
    const b = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(bob)));
    await b.page.locator('#message:enabled').waitFor();

    for (const { page } of [a, b]) {
      await page.locator('#members li', { hasText: alice }).waitFor();
      await page.locator('#members li', { hasText: bob }).waitFor();
      expect(await page.locator('input, textarea').count()).toBe(1);
    }
    await a.page.locator('#message').fill('hello from alice');
    await a.page.locator('#message').press('Enter');
    const atBob = b.page.locator('#log .message', { hasText: 'hello from alice' });
    await atBob.waitFor();
    expect(await atBob.locator('.sender').textContent()).toBe(alice);
    expect(await a.page.locator('#message').inputValue()).toBe('');

    await b.page.locator('#message').fill('hi alice');
    await b.page.locator('#message').press('Enter');
    await a.page.locator('#log .message', { hasText: 'hi alice' }).waitFor();
    expect(await a.page.locator('#log .message .text').allTextContents()).toEqual(['hello from alice', 'hi alice']);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('shows the room history oldest first on join and drops a member who leaves', async () => {
    const room = unique('history');
    for (const text of ['first', 'second']) {
      await web.app.http().post(`/rooms/${room}/messages`).set('authorization', `Bearer ${serviceToken()}`).send({ text }).expect(201);
    }
    const bob = unique('bob');
    const b = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(bob)));
    await b.page.locator('#message:enabled').waitFor();
    expect(await b.page.locator('#log .message .text').allTextContents()).toEqual(['first', 'second']);

    const alice = unique('alice');
    const a = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(alice)));
    await a.page.locator('#members li', { hasText: bob }).waitFor();
    await b.page.close();
    await a.page.locator('#members li', { hasText: bob }).waitFor({ state: 'detached' });
    expect(await a.page.locator('#members li').allTextContents()).toEqual([`${alice} (you)`]);
  });

  it('renders a message and a user id that look like HTML as literal text, creating no element and firing no dialog', async () => {
    const room = unique('xss');
    const a = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(XSS)));
    await a.page.locator('#message:enabled').fill(XSS);
    await a.page.locator('#message').press('Enter');
    const b = await openPage(await newContext(), withToken(web.app.baseUrl, `/chat/${room}/`, userToken(unique('bob'))));

    const message = b.page.locator('#log .message', { hasText: XSS });
    await message.waitFor();
    expect(await message.locator('.text').textContent()).toBe(XSS);
    expect(await message.locator('.sender').textContent()).toBe(XSS);
    await b.page.locator('#members li', { hasText: XSS }).waitFor();
    expect(await a.page.locator('#who').textContent()).toBe(XSS);
    for (const { page } of [a, b]) expect(await page.locator('img').count()).toBe(0);
    expect([...a.dialogs, ...b.dialogs]).toEqual([]);
  });

  it('goes from the room picker to the room page, and answers 404 for a room name the server refuses', async () => {
    const room = unique('picked');
    const { page } = await openPage(await newContext(), withToken(web.app.baseUrl, '/chat/', userToken(unique('carol'))));
    await waitForConnection(page, 'live');
    await page.locator('#room-name').fill(room);
    await page.locator('#room-name').press('Enter');
    await page.waitForURL(`${web.app.baseUrl}/chat/${room}/`);
    await page.locator('#message:enabled').waitFor();
    expect(await page.locator('#room-name').textContent()).toBe(room);

    const refused = await page.goto(`${web.app.baseUrl}/chat/caf%C3%A9/`);
    expect(refused?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Not found');
  });
});
