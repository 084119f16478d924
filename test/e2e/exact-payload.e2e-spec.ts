import fc from 'fast-check';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/** Keys that prototype-pollution guards delete, and other names an object inherits. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const key = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'keep'), fc.string({ maxLength: 6 }));

/**
 * JSON text of an object, built as text: an object literal or a generator
 * in this process would turn a `__proto__` key into a prototype instead of
 * a key. Keys are unique per object; nesting stays well inside the bounds.
 */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)).map((scalar) => JSON.stringify(scalar)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    tie('object'),
  ),
  object: fc
    .uniqueArray(fc.tuple(key, tie('value')), { selector: ([name]) => name, maxLength: 4 })
    .map((entries) => `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`),
})).object;

/** Sorted-key JSON of a parsed value, own keys only (`__proto__` included), to compare payloads whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const names = Object.keys(value).sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonical((value as Record<string, unknown>)[name])}`).join(',')}}`;
}

/** Notifications keep their payload exactly: no key is dropped, whatever its name, at any depth. */
describe('payloads are stored and delivered exactly as received', () => {
  const fixture = useHerald();
  const postRaw = (path: string, text: string, bearer = serviceToken(), idempotencyKey?: string) => {
    const req = fixture.app.http().post(path).set('authorization', `Bearer ${bearer}`).set('content-type', 'application/json');
    if (idempotencyKey) req.set('idempotency-key', idempotencyKey);
    return req.send(text);
  };
  const notify = (recipient: string, payload: string, idempotencyKey?: string) =>
    postRaw('/notifications', `{"recipients":${JSON.stringify([recipient])},"type":"exact.payload","payload":${payload}}`, serviceToken(), idempotencyKey);
  const feedPayload = async (sub: string, id: string): Promise<unknown> => {
    const feed = await fixture.app
      .http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(sub)}`)
      .expect(200);
    return (feed.body.items as Array<{ id: string; payload: unknown }>).find((item) => item.id === id)?.payload;
  };

  it('returns the attack run\'s payload {"constructor":{"y":2},"nested":{"keep":true}} whole, in the feed and on the socket', async () => {
    const sub = unique('alice');
    const client = await fixture.connect(sub);
    const payload = '{"constructor":{"y":2},"nested":{"keep":true},"__proto__":{"polluted":true},"prototype":[1]}';

    const [id] = (await notify(sub, payload).expect(201)).body.ids as string[];

    const live = await client.next('notification', (n) => n.id === id);
    expect(canonical(live.payload)).toBe(canonical(JSON.parse(payload)));
    expect(canonical(await feedPayload(sub, id))).toBe(canonical(JSON.parse(payload)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores any payload exactly, prototype-named keys at any depth included: feed, live frame and resume replay agree', async () => {
    await fc.assert(
      fc.asyncProperty(jsonText, async (payload) => {
        const sub = unique('exact');
        const expected = canonical(JSON.parse(payload));
        const client = await TestClient.connect(fixture.app.wsUrl, { token: userToken(sub) });
        try {
          const [id] = (await notify(sub, payload).expect(201)).body.ids as string[];
          expect(canonical((await client.next('notification', (n) => n.id === id)).payload)).toBe(expected);
          expect(canonical(await feedPayload(sub, id))).toBe(expected);
        } finally {
          await client.close();
        }
        const replay = await TestClient.connect(fixture.app.wsUrl, { token: userToken(sub), since: '0' });
        try {
          await replay.next('resumed');
          expect(replay.all('notification').map((n) => canonical(n.payload))).toEqual([expected]);
        } finally {
          await replay.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keeps prototype-named keys in broadcasts too', async () => {
    const sub = unique('bob');
    const client = await fixture.connect(sub);
    const payload = '{"__proto__":{"a":1},"constructor":"c","prototype":null}';
    const { id } = (await postRaw('/notifications/broadcast', `{"type":"exact.broadcast","payload":${payload}}`, adminToken()).expect(201)).body as {
      id: string;
    };
    expect(canonical((await client.next('notification', (n) => n.id === id)).payload)).toBe(canonical(JSON.parse(payload)));
    expect(canonical(await feedPayload(sub, id))).toBe(canonical(JSON.parse(payload)));
  });

  it('tells payloads that differ only by a prototype-named key apart under one Idempotency-Key (422)', async () => {
    const sub = unique('carol');
    const idempotencyKey = unique('key');
    await notify(sub, '{"a":1}', idempotencyKey).expect(201);
    const second = await notify(sub, '{"a":1,"constructor":{"b":2}}', idempotencyKey).expect(422);
    expect(second.body).toMatchObject({ statusCode: 422, code: 'idempotency_key_reused' });
  });

  it('counts prototype-named keys towards the 16 KiB payload limit', async () => {
    const sub = unique('dave');
    const big = `{"constructor":${JSON.stringify('x'.repeat(16 * 1024))}}`;
    const response = await notify(sub, big).expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.arrayContaining([expect.stringContaining('payload')]) });
  });

  it.each(PROTOTYPE_KEYS)('refuses %s as a top-level field of the body with 400 naming it, like any unknown field', async (name) => {
    const response = await postRaw('/notifications', `{"recipients":["${unique('erin')}"],"type":"t",${JSON.stringify(name)}:{"x":1}}`).expect(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [`property ${name} should not exist`] });
  });

  it.each(PROTOTYPE_KEYS)('refuses %s as a field of any other body, query or frame instead of dropping it unseen', async (name) => {
    const message = `property ${name} should not exist`;
    const room = unique('room');
    const text = await postRaw(`/rooms/${room}/messages`, `{"text":"hi",${JSON.stringify(name)}:1}`).expect(400);
    expect(text.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });
    const query = await fixture.app
      .http()
      .get(`/notifications?${name}=1`)
      .set('authorization', `Bearer ${userToken(unique('frank'))}`)
      .expect(400);
    expect(query.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [message] });

    const client = await fixture.connect(unique('frank'));
    client.send(`{"event":"room.join","data":{"room":"${room}",${JSON.stringify(name)}:"x"}}`);
    expect(await client.next('error')).toEqual({ code: 'invalid_data', message });
    expect(client.all('room.joined')).toEqual([]);
    const history = await fixture.app
      .http()
      .get(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${userToken(unique('frank'))}`)
      .expect(200);
    expect(history.body.items).toEqual([]);
  });
});
