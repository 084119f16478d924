import fc from 'fast-check';
import WebSocket from 'ws';
import { createTestApp, TestApp } from '../support/create-test-app';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';

/** Documented bounds: a payload nests 32 levels (the body around it one more), a frame's data 8. */
const MAX_PAYLOAD_DEPTH = 32;
const MAX_DATA_DEPTH = 8;

/**
 * JSON text of arrays and objects `depth` levels deep (2 or 6 bytes a
 * level), the kind of each level below the first picked by `kinds`' bits;
 * the first is an object when `object` is set. Built as text: the test
 * must not recurse either.
 */
function nested(depth: number, kinds: number, object = false): string {
  let text = '"leaf"';
  for (let level = depth - 1; level >= 0; level--) {
    const array = level === 0 ? !object : ((kinds >>> (level % 31)) & 1) === 1;
    text = array ? `[${text}]` : `{"k":${text}}`;
  }
  return text;
}

/** Asserts NestJS's 400 shape with a message that says the body nests too deep. */
function expectTooDeep(response: { status: number; body: unknown }): void {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('levels deep') });
}

describe('deeply nested JSON', () => {
  const fixture = useHerald();
  const postRaw = (path: string, text: string, bearer?: string, contentType = 'application/json') => {
    const req = fixture.app.http().post(path).set('content-type', contentType);
    if (bearer) req.set('authorization', `Bearer ${bearer}`);
    return req.send(text);
  };
  const notificationBody = (recipient: string, payload: string) => `{"recipients":${JSON.stringify([recipient])},"type":"depth.check","payload":${payload}}`;

  describe('REST', () => {
    it(`stores a payload nested up to ${MAX_PAYLOAD_DEPTH} levels and returns it exactly in the feed`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: MAX_PAYLOAD_DEPTH }), fc.integer(), async (depth, kinds) => {
          const sub = unique('deep');
          const payload = nested(depth, kinds, true);
          const [id] = (await postRaw('/notifications', notificationBody(sub, payload), serviceToken()).expect(201)).body.ids as string[];
          const feed = await fixture.app
            .http()
            .get('/notifications')
            .set('authorization', `Bearer ${userToken(sub)}`)
            .expect(200);
          expect(feed.body.items.map((item: { id: string; payload: unknown }) => [item.id, item.payload])).toEqual([[id, JSON.parse(payload)]]);
        }),
        { numRuns: 25 },
      );
    });

    it(`answers 400, never 500, to a payload nested more than ${MAX_PAYLOAD_DEPTH} levels, and stores nothing`, async () => {
      const sub = unique('deep');
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: MAX_PAYLOAD_DEPTH + 1, max: 20_000 }), fc.integer(), async (depth, kinds) => {
          expectTooDeep(await postRaw('/notifications', notificationBody(sub, nested(depth, kinds, true)), serviceToken()));
          expectTooDeep(await postRaw('/notifications/broadcast', `{"type":"t","payload":${nested(depth, kinds, true)}}`, serviceToken()));
        }),
        { numRuns: 40 },
      );
      const feed = await fixture.app
        .http()
        .get('/notifications')
        .set('authorization', `Bearer ${userToken(sub)}`)
        .expect(200);
      expect(feed.body.items.filter((item: { type: string }) => item.type === 'depth.check')).toEqual([]);
    });

    it('answers 400 to any deeply nested body on any route, with or without a token', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: MAX_PAYLOAD_DEPTH + 2, max: 20_000 }), fc.integer(), fc.boolean(), async (depth, kinds, object) => {
          const text = nested(depth, kinds, object);
          expectTooDeep(await postRaw('/rooms/lobby/messages', text, serviceToken()));
          expectTooDeep(await postRaw('/notifications/read-all', text, userToken(unique('alice'))));
          expectTooDeep(await postRaw('/notifications/1/read', text));
        }),
        { numRuns: 25 },
      );
    });

    it('answers 400 to a 1 MiB body of opening brackets without parsing it', async () => {
      expectTooDeep(await postRaw('/notifications', '['.repeat(1024 * 1024), serviceToken()));
    });

    it('applies the bound to UTF-16 bodies and refuses charsets it cannot check with 415', async () => {
      const sub = unique('utf16');
      const utf16 = (text: string) => Buffer.from(text, 'utf16le');
      const shallow = notificationBody(sub, nested(MAX_PAYLOAD_DEPTH, 0, true));
      const deep = notificationBody(sub, nested(MAX_PAYLOAD_DEPTH + 1, 0, true));
      // fetch, since superagent re-encodes a Buffer body it takes for JSON.
      const send = async (body: Buffer, charset: string) => {
        const response = await fetch(`${fixture.app.baseUrl}/notifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': `application/json; charset=${charset}` },
          body,
        });
        return { status: response.status, body: await response.json() };
      };

      expect((await send(utf16(shallow), 'utf-16le')).status).toBe(201);
      expectTooDeep(await send(utf16(deep), 'utf-16le'));
      expect(await send(Buffer.from(shallow), 'utf-32')).toEqual({
        status: 415,
        body: { statusCode: 415, error: 'Unsupported Media Type', message: expect.stringContaining('UTF-8') },
      });
    });

    it('answers 400 to a deeply nested POST /auth/dev-token', async () => {
      expectTooDeep(await postRaw('/auth/dev-token', `{"sub":${nested(10_000, 7)}}`));
    });
  });

  describe('WebSocket frames', () => {
    const frameWith = (event: string, data: string) => `{"event":${JSON.stringify(event)},"data":${data}}`;
    const nextError = async (client: Awaited<ReturnType<typeof fixture.connect>>, before: number) => {
      await client.next('error', () => client.all('error').length > before);
      return client.all('error')[before];
    };

    it(`answers data nested more than ${MAX_DATA_DEPTH} levels with invalid_data, for every event, and keeps the socket open`, async () => {
      const client = await fixture.connect(unique('alice'));
      const event = fc.constantFrom('room.join', 'room.leave', 'room.send', 'resume', 'no.such.event');
      await fc.assert(
        fc.asyncProperty(event, fc.integer({ min: MAX_DATA_DEPTH + 1, max: 9_000 }), fc.integer(), fc.boolean(), async (name, depth, kinds, wrap) => {
          // The depth in the room field (one level under data) or as data itself.
          const data = wrap ? `{"room":${nested(depth - 1, kinds)}}` : nested(depth, kinds);
          const before = client.all('error').length;
          client.send(frameWith(name, data));
          expect(await nextError(client, before)).toEqual({ code: 'invalid_data', message: expect.stringContaining('levels deep') });
        }),
        { numRuns: 60 },
      );
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
      expect(client.all('error').map((error: { code: string }) => error.code)).not.toContain('internal_error');
    });

    it(`lets data nested up to ${MAX_DATA_DEPTH} levels through to the event's own rules`, async () => {
      const client = await fixture.connect(unique('alice'));
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: MAX_DATA_DEPTH }), fc.integer(), async (depth, kinds) => {
          const before = client.all('error').length;
          client.send(frameWith('no.such.event', nested(depth, kinds)));
          expect((await nextError(client, before)).code).toBe('unknown_event');
          client.send(frameWith('room.join', nested(depth, kinds, true)));
          expect((await nextError(client, before + 1)).code).toBe('invalid_data');
        }),
        { numRuns: 30 },
      );
    });

    it('answers the frames of the attack run (room.join 10,000 deep, resume 6,000 deep) with invalid_data, not internal_error', async () => {
      const client = await fixture.connect(unique('alice'));
      client.send(frameWith('room.join', `{"room":${nested(10_000, -1)}}`));
      expect(await nextError(client, 0)).toMatchObject({ code: 'invalid_data' });
      client.send(frameWith('resume', `{"since":${nested(6_000, 0)}}`));
      expect(await nextError(client, 1)).toMatchObject({ code: 'invalid_data' });
    });
  });
});

describe('POST /auth/dev-token disabled, with a deeply nested body', () => {
  let herald: TestApp;

  beforeAll(async () => {
    herald = await createTestApp({ NODE_ENV: 'production', AUTH_DEV_TOKENS: 'false' });
  });
  afterAll(async () => {
    await herald.close();
  });

  it('answers 400 for the nesting and 404 for anything shallow, never 500', async () => {
    const deep = await herald
      .http()
      .post('/auth/dev-token')
      .set('content-type', 'application/json')
      .send(`{"sub":${nested(10_000, 5)}}`);
    expectTooDeep(deep);
    for (const body of [{ sub: unique('alice') }, { sub: 42 }, { sub: { a: { b: [] } } }, {}]) {
      const response = await herald.http().post('/auth/dev-token').send(body);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    }
  });
});
