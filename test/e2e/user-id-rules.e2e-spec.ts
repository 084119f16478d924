import fc from 'fast-check';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient, upgradeStatus } from '../support/ws-client';

/** Any code point an id may hold: not a control character (C0, DEL, C1), not a surrogate. */
const idCodePoint = fc
  .integer({ min: 0x20, max: 0x10ffff })
  .filter((code) => !(code >= 0x7f && code <= 0x9f) && !(code >= 0xd800 && code <= 0xdfff))
  .map((code) => String.fromCodePoint(code));
/** Up to 50 code points of any plane: at most 100 UTF-16 units, with room for a unique prefix. */
const idText = fc.oneof(fc.string({ unit: idCodePoint, maxLength: 50 }), fc.string({ unit: 'grapheme-ascii', maxLength: 50 }));
/** One UTF-16 unit an id must not hold: a lone surrogate or a C0/C1 control character. */
const forbiddenUnit = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0x00, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((code) => String.fromCharCode(code));
/**
 * A string of 1-101 units that is an id but for one forbidden unit. Put
 * between two well-formed pieces, a surrogate is always lone: a well-formed
 * piece starts with a high surrogate or a non-surrogate, and ends with a
 * low surrogate or a non-surrogate.
 */
const badId = fc.tuple(idText, forbiddenUnit, idText).map(([before, unit, after]) => before + unit + after);

/** Asserts NestJS's 400 shape with a message that names `field`. */
function expectBadRequest(body: unknown, field: string): void {
  expect(body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
  expect(JSON.stringify((body as { message: unknown }).message)).toContain(field);
}

/**
 * Ids must be well-formed Unicode without control characters wherever they
 * enter: a lone surrogate becomes U+FFFD on its way into MySQL, so two
 * different strings would name one stored user.
 */
describe('user id rules', () => {
  const fixture = useHerald();
  const http = () => fixture.app.http();
  const post = (body: Record<string, unknown>) => http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send(body);

  it('refuses a token whose sub holds a lone surrogate or a control character, on REST and on the upgrade, with 401', async () => {
    await fc.assert(
      fc.asyncProperty(badId, async (sub) => {
        await http()
          .get('/notifications')
          .set('authorization', `Bearer ${userToken(sub)}`)
          .expect(401);
        expect(await upgradeStatus(fixture.app.wsUrl, { token: userToken(sub) })).toBe(401);
        expect(await upgradeStatus(fixture.app.wsUrl, { queryToken: userToken(sub) })).toBe(401);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses such an id as a recipient, actor, type or dev-token sub with a 400 naming the field, and stores nothing', async () => {
    const witness = unique('witness');
    await fc.assert(
      fc.asyncProperty(badId, async (id) => {
        expectBadRequest((await post({ recipients: [witness, id], type: 't' }).expect(400)).body, 'recipients');
        expectBadRequest((await post({ recipients: [witness], type: 't', actor: id }).expect(400)).body, 'actor');
        expectBadRequest((await post({ recipients: [witness], type: id }).expect(400)).body, 'type');
      }),
      { numRuns: 40 },
    );
    const feed = await http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(witness)}`)
      .expect(200);
    expect(feed.body.items).toEqual([]);
  });

  it('refuses such an id as the sub of POST /auth/dev-token with a 400 naming sub', async () => {
    // The route allows 30 anonymous requests a minute per address.
    await fc.assert(
      fc.asyncProperty(badId, async (sub) => {
        expectBadRequest((await http().post('/auth/dev-token').send({ sub }).expect(400)).body, 'sub');
      }),
      { numRuns: 20 },
    );
  });

  it('keeps the issue\'s pair apart: a notification for "\\ufffd-R" is never shown to the sub "\\ud800-R"', async () => {
    const suffix = unique('-R');
    const [id] = (await post({ recipients: [`\ufffd${suffix}`], type: 'alias.check' }).expect(201)).body.ids as string[];

    for (const sub of [`\ud800${suffix}`, `\udfff${suffix}`]) {
      await http()
        .get('/notifications')
        .set('authorization', `Bearer ${userToken(sub)}`)
        .expect(401);
      expect(await upgradeStatus(fixture.app.wsUrl, { token: userToken(sub), since: '0' })).toBe(401);
    }
    const owner = await http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(`\ufffd${suffix}`)}`)
      .expect(200);
    expect(owner.body.items.map((item: { id: string }) => item.id)).toEqual([id]);
  });

  it('stores and delivers to any well-formed id exactly: its feed, its socket and its ready frame name it and nobody else', async () => {
    await fc.assert(
      fc.asyncProperty(idText, async (text) => {
        const sub = `${unique('u')}${text}`;
        const client = await TestClient.connect(fixture.app.wsUrl, { token: userToken(sub) });
        try {
          expect(client.frames[0]).toEqual({ event: 'ready', data: { user: sub } });
          const [id] = (await post({ recipients: [sub], type: 'exact.id', actor: sub }).expect(201)).body.ids as string[];
          expect(await client.next('notification', (n) => n.id === id)).toMatchObject({ id, actor: sub });
          const feed = await http()
            .get('/notifications')
            .set('authorization', `Bearer ${userToken(sub)}`)
            .expect(200);
          expect(feed.body.items.map((item: { id: string; actor: string }) => [item.id, item.actor])).toEqual([[id, sub]]);
        } finally {
          await client.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('refuses a room name with a lone surrogate or a control character in room.join and in a REST path', async () => {
    const client = await fixture.connect(unique('alice'));
    await fc.assert(
      fc.asyncProperty(badId, async (room) => {
        const before = client.all('error').length;
        client.send({ event: 'room.join', data: { room } });
        await client.next('error', () => client.all('error').length > before);
        expect(client.all('error')[before]).toMatchObject({ code: 'invalid_data' });
      }),
      { numRuns: 40 },
    );
    expect(client.all('room.joined')).toEqual([]);
    // A lone surrogate cannot be percent-encoded as UTF-8; its CESU-8 bytes are not valid UTF-8.
    for (const path of ['/rooms/a%ED%A0%80b/messages', '/rooms/a%00b/messages', '/rooms/a%C2%85b/messages']) {
      const response = await http()
        .get(path)
        .set('authorization', `Bearer ${userToken(unique('alice'))}`)
        .expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
  });

  it('refuses room text with a lone surrogate, which would be stored as U+FFFD, and keeps text with controls and pairs', async () => {
    const room = unique('room');
    const client = await fixture.connect(unique('alice'));
    client.send({ event: 'room.join', data: { room } });
    await client.next('room.joined');

    client.send({ event: 'room.send', data: { room, text: 'half \ud83d of a smile' } });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_data', message: expect.stringContaining('text') });
    const refused = await http().post(`/rooms/${room}/messages`).set('authorization', `Bearer ${serviceToken()}`).send({ text: '\udfff' }).expect(400);
    expectBadRequest(refused.body, 'text');

    const text = 'line one\nline two \ud83d\ude00';
    client.send({ event: 'room.send', data: { room, text } });
    expect(await client.next('room.message')).toMatchObject({ room, text });
    const history = await http()
      .get(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${userToken(unique('bob'))}`)
      .expect(200);
    expect(history.body.items.map((message: { text: string }) => message.text)).toEqual([text]);
  });

  it('refuses an Idempotency-Key with a control character', async () => {
    const response = await http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .set('idempotency-key', 'key\twith-tab')
      .send({ recipients: [unique('alice')], type: 't' })
      .expect(400);
    expectBadRequest(response.body, 'Idempotency-Key');
  });
});
