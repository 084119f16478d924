import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';

const MAX_PAYLOAD_BYTES = 16 * 1024;
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** A payload whose JSON text is exactly `bytes` bytes long. */
function payloadOfSize(bytes: number): Record<string, string> {
  return { blob: 'x'.repeat(bytes - JSON.stringify({ blob: '' }).length) };
}

/** Asserts NestJS's error shape `{statusCode, message, error}` with a message that names `mentions`. */
function expectNestError(body: unknown, statusCode: number, error: string, mentions: string): void {
  expect(body).toEqual({ statusCode, error, message: expect.anything() });
  expect(JSON.stringify((body as { message: unknown }).message)).toContain(mentions);
}

describe('REST input validation', () => {
  const fixture = useHerald();
  const post = (body: unknown, idempotencyKey?: string) => {
    const req = fixture.app.http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`);
    if (idempotencyKey !== undefined) req.set('idempotency-key', idempotencyKey);
    return req.send(body as object);
  };
  const feedTypes = async (sub: string): Promise<Array<{ id: string; type: string }>> => {
    const response = await fixture.app
      .http()
      .get('/notifications?limit=100')
      .set('authorization', `Bearer ${userToken(sub)}`)
      .expect(200);
    return response.body.items as Array<{ id: string; type: string }>;
  };

  describe('POST /notifications', () => {
    it.each<[string, string, () => Record<string, unknown>]>([
      ['recipients is missing', 'recipients', () => ({ type: 't' })],
      ['recipients is empty', 'recipients', () => ({ recipients: [], type: 't' })],
      ['recipients has 10,001 entries', 'recipients', () => ({ recipients: Array.from({ length: 10_001 }, (_, i) => `r${i}`), type: 't' })],
      ['recipients has a duplicate', 'recipients', () => ({ recipients: ['same', 'same'], type: 't' })],
      ['a recipient has 129 characters', 'recipients', () => ({ recipients: [unique('ok'), 'r'.repeat(129)], type: 't' })],
      ['a recipient is an empty string', 'recipients', () => ({ recipients: [''], type: 't' })],
      ['a recipient is not a string', 'recipients', () => ({ recipients: [unique('ok'), 42], type: 't' })],
      ['recipients is a string', 'recipients', () => ({ recipients: 'alice', type: 't' })],
      ['type is missing', 'type', () => ({ recipients: [unique('ok')] })],
      ['type has 129 characters', 'type', () => ({ recipients: [unique('ok')], type: 't'.repeat(129) })],
      ['type is not a string', 'type', () => ({ recipients: [unique('ok')], type: 7 })],
      ['actor has 129 characters', 'actor', () => ({ recipients: [unique('ok')], type: 't', actor: 'a'.repeat(129) })],
      ['payload is an array', 'payload', () => ({ recipients: [unique('ok')], type: 't', payload: [1, 2] })],
      ['payload is a string', 'payload', () => ({ recipients: [unique('ok')], type: 't', payload: 'hello' })],
      ['payload is one byte over 16 KiB as JSON', 'payload', () => ({ recipients: [unique('ok')], type: 't', payload: payloadOfSize(MAX_PAYLOAD_BYTES + 1) })],
      ['the body has an unknown field', 'priority', () => ({ recipients: [unique('ok')], type: 't', priority: 'high' })],
    ])('answers 400 in the NestJS shape when %s', async (_case, field, body) => {
      const response = await post(body()).expect(400);
      expectNestError(response.body, 400, 'Bad Request', field);
    });

    it('accepts a payload of exactly 16 KiB as JSON', async () => {
      const sub = unique('alice');
      const payload = payloadOfSize(MAX_PAYLOAD_BYTES);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBe(MAX_PAYLOAD_BYTES);
      await post({ recipients: [sub], type: 'size.edge', payload }).expect(201);
    });

    it('answers 400 when the body is not valid JSON', async () => {
      const response = await fixture.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .set('content-type', 'application/json')
        .send('{"recipients": ["alice"], "type": ')
        .expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    });

    it('answers 413 Payload Too Large when the body is over 2 MiB', async () => {
      const body = { recipients: [unique('alice')], type: 't', payload: payloadOfSize(BODY_LIMIT_BYTES) };
      const response = await post(body).expect(413);
      expect(response.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.any(String) });
    });

    it('answers 400 to an Idempotency-Key of 256 characters and accepts one of 255', async () => {
      const sub = unique('alice');
      // Keys live for 24 h per caller: a unique one keeps reruns independent.
      const key = unique('key').padEnd(255, 'k');
      const tooLong = await post({ recipients: [sub], type: 'idem.check' }, `${key}k`).expect(400);
      expectNestError(tooLong.body, 400, 'Bad Request', 'Idempotency-Key');
      await post({ recipients: [sub], type: 'idem.check' }, key).expect(201);
      expect((await feedTypes(sub)).filter((n) => n.type === 'idem.check')).toHaveLength(1);
    });

    it('stores one notification per recipient for exactly 10,000 recipients, each under its own id', async () => {
      const prefix = unique('many');
      const type = unique('bulk');
      const recipients = Array.from({ length: 10_000 }, (_, i) => `${prefix}-${i}`);
      const response = await post({ recipients, type }).expect(201);
      const ids = response.body.ids as string[];
      expect(ids).toHaveLength(10_000);
      expect(new Set(ids).size).toBe(10_000);
      ids.forEach((id) => expect(id).toMatch(/^[1-9]\d*$/));
      // Either side of each insert chunk boundary, the recipient's feed holds exactly the id returned for it.
      for (const i of [0, 999, 1_000, 5_432, 9_999]) {
        const own = (await feedTypes(recipients[i])).filter((n) => n.type === type).map((n) => n.id);
        expect(own).toEqual([ids[i]]);
      }
    });

    it('stores and delivers nothing when a batch is rejected for one bad recipient', async () => {
      const good = unique('good');
      const socket = await fixture.connect(good);
      const rejectedType = unique('rejected');

      await post({ recipients: [good, 'r'.repeat(129)], type: rejectedType }).expect(400);
      await post({ recipients: [good, 42], type: rejectedType }).expect(400);
      await post({ recipients: [good], type: rejectedType, payload: payloadOfSize(MAX_PAYLOAD_BYTES + 1) }).expect(400);
      await post({ recipients: [good], type: rejectedType }, 'k'.repeat(256)).expect(400);

      // A later valid notification is the first one the socket sees, and the only one in the feed of these types.
      const acceptedType = unique('accepted');
      const [id] = (await post({ recipients: [good], type: acceptedType }).expect(201)).body.ids as string[];
      await socket.next('notification', (n) => n.id === id);
      expect(socket.all('notification').map((n) => n.type)).toEqual([acceptedType]);
      const stored = (await feedTypes(good)).filter((n) => n.type === rejectedType || n.type === acceptedType);
      expect(stored.map((n) => n.id)).toEqual([id]);
    });
  });

  describe('GET /notifications', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1.5', 'limit'],
      ['before=abc', 'before'],
      ['before=0', 'before'],
      ['unread=maybe', 'unread'],
    ])('answers 400 to ?%s', async (query, field) => {
      const response = await fixture.app
        .http()
        .get(`/notifications?${query}`)
        .set('authorization', `Bearer ${userToken(unique('alice'))}`)
        .expect(400);
      expectNestError(response.body, 400, 'Bad Request', field);
    });

    it('accepts limit=1, limit=100, a numeric before and unread=true or false', async () => {
      const sub = unique('alice');
      await post({ recipients: [sub], type: 'a' }).expect(201);
      const [newest] = (await post({ recipients: [sub], type: 'b' }).expect(201)).body.ids as string[];
      const get = (query: string) =>
        fixture.app
          .http()
          .get(`/notifications?${query}`)
          .set('authorization', `Bearer ${userToken(sub)}`)
          .expect(200);

      expect((await get('limit=1')).body.items).toHaveLength(1);
      expect((await get('limit=100')).body.items.length).toBeGreaterThanOrEqual(2);
      expect((await get(`before=${newest}&limit=100`)).body.items.map((n: { id: string }) => n.id)).not.toContain(newest);
      await get('unread=true');
      await get('unread=false');
    });
  });

  describe('POST /notifications/:id/read', () => {
    it.each(['abc', '0', '-1', '1e3'])('answers 400 to the id %s', async (id) => {
      const response = await fixture.app
        .http()
        .post(`/notifications/${id}/read`)
        .set('authorization', `Bearer ${userToken(unique('alice'))}`)
        .expect(400);
      expectNestError(response.body, 400, 'Bad Request', 'id');
    });

    it('answers 404, not 400, to a well-formed id that does not exist', async () => {
      await fixture.app
        .http()
        .post('/notifications/9223372036854775806/read')
        .set('authorization', `Bearer ${userToken(unique('alice'))}`)
        .expect(404);
    });
  });

  describe('POST /auth/dev-token', () => {
    it.each<[string, string, Record<string, unknown>]>([
      ['no sub', 'sub', {}],
      ['an empty sub', 'sub', { sub: '' }],
      ['a sub of 129 characters', 'sub', { sub: 's'.repeat(129) }],
      ['a sub that is not a string', 'sub', { sub: 5 }],
      ['an unknown role', 'roles', { sub: 'alice', roles: ['root'] }],
      ['roles that are not an array', 'roles', { sub: 'alice', roles: 'admin' }],
      ['an unknown field', 'admin', { sub: 'alice', admin: true }],
    ])('answers 400 to a body with %s', async (_case, field, body) => {
      const response = await fixture.app.http().post('/auth/dev-token').send(body).expect(400);
      expectNestError(response.body, 400, 'Bad Request', field);
    });

    it('answers 201 with a token that opens /ws as that user', async () => {
      const sub = unique('dev');
      const response = await fixture.app.http().post('/auth/dev-token').send({ sub }).expect(201);
      expect(response.body).toEqual({ token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) });
      const client = await fixture.connect(sub, { token: response.body.token as string });
      expect(client.frames[0]).toEqual({ event: 'ready', data: { user: sub } });
    });

    it('mints a token whose roles are honoured on REST', async () => {
      const { token } = (
        await fixture.app
          .http()
          .post('/auth/dev-token')
          .send({ sub: unique('svc'), roles: ['service'] })
          .expect(201)
      ).body as { token: string };
      await fixture.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${token}`)
        .send({ recipients: [unique('alice')], type: 't' })
        .expect(201);
    });
  });
});

describe('POST /auth/dev-token when AUTH_DEV_TOKENS=false', () => {
  const herald = useHerald({ AUTH_DEV_TOKENS: 'false' });

  it('answers 404 as if the route did not exist', async () => {
    const response = await herald.app
      .http()
      .post('/auth/dev-token')
      .send({ sub: unique('alice') })
      .expect(404);
    expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
  });
});
