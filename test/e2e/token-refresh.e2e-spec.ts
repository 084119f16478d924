import { decode, JwtPayload } from 'jsonwebtoken';
import { signJws, nowSeconds } from '../support/jws';
import { TEST_JWT_SECRET, unique } from '../support/test-env';
import { serviceToken, token } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { within } from '../support/within';

jest.setTimeout(20_000);

const expOf = (jwt: string): number => (decode(jwt) as JwtPayload).exp as number;
/** Timers may fire a few ms early; the tests allow that much, no more. */
const EARLY_MS = 50;

describe('live sockets: auth.expiring and auth.refresh', () => {
  const herald = useHerald();

  it('sends auth.expiring {exp} a third of a short token lifetime before exp, then closes with 4401 at exp', async () => {
    const shortLived = token({ sub: unique('alice'), ttl: 3 });
    const { exp, iat } = decode(shortLived) as { exp: number; iat: number };
    const client = await herald.connect('ignored', { token: shortLived });

    expect(await client.next('auth.expiring', () => true, 10_000)).toEqual({ exp });
    // A lifetime of 3-4 s (iat is rounded down, exp up): the warning comes a third of it before exp.
    expect(Date.now()).toBeGreaterThanOrEqual((exp - (exp - iat) / 3) * 1000 - EARLY_MS);
    expect(Date.now()).toBeLessThan(exp * 1000);
    const { code } = await within(client.closed, 10_000, 'the 4401 close');
    expect(code).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - EARLY_MS);
  });

  it('moves the expiry to the exp of a fresh token for the same sub, and keeps delivering past the old exp', async () => {
    const alice = unique('alice');
    const first = token({ sub: alice, ttl: 3 });
    const client = await herald.connect(alice, { token: first });

    await client.next('auth.expiring', () => true, 10_000);
    const fresh = token({ sub: alice, ttl: 5 });
    client.send({ event: 'auth.refresh', data: { token: fresh } });
    expect(await client.next('auth.refreshed')).toEqual({ exp: expOf(fresh) });

    // The second warning belongs to the fresh token and comes after the first token's exp.
    await client.next('auth.expiring', (data) => data.exp === expOf(fresh), 10_000);
    expect(Date.now()).toBeGreaterThan(expOf(first) * 1000);
    const [id] = (
      await herald.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .send({ recipients: [alice], type: 'after.refresh' })
        .expect(201)
    ).body.ids as string[];
    await client.next('notification', (n) => n.id === id);

    expect((await within(client.closed, 10_000, 'the 4401 close')).code).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(expOf(fresh) * 1000 - EARLY_MS);
  });

  it.each<[string, (sub: string) => string]>([
    ['names another sub', () => token({ sub: unique('mallory'), ttl: 3600 })],
    ['is signed with another secret', (sub) => token({ sub, ttl: 3600, secret: 'not-the-herald-test-secret-0123456789abcdef' })],
    ['has expired', (sub) => token({ sub, ttl: -60 })],
    [
      'is unsigned (alg none)',
      (sub) =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, exp: nowSeconds() + 3600 })).toString('base64url')}.`,
    ],
    ['marks an unknown extension critical', (sub) => signJws('HS256', TEST_JWT_SECRET, { sub, exp: nowSeconds() + 3600 }, { crit: ['x-ext'], 'x-ext': true })],
    ['has a JSON null payload', () => signJws('HS256', TEST_JWT_SECRET, null)],
    ['is not a JWT', () => 'not-a-jwt'],
  ])('answers invalid_token to a token that %s, and still closes with 4401 at the old exp', async (_, build) => {
    const alice = unique('alice');
    const shortLived = token({ sub: alice, ttl: 3 });
    const client = await herald.connect(alice, { token: shortLived });

    client.send({ event: 'auth.refresh', data: { token: build(alice) } });
    expect(await client.next('error')).toEqual({ code: 'invalid_token', message: expect.any(String) });
    expect((await within(client.closed, 10_000, 'the 4401 close')).code).toBe(4401);
    expect(Date.now()).toBeLessThan((expOf(shortLived) + 1) * 1000);
    expect(client.all('auth.refreshed')).toEqual([]);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { token: '' }],
    ['a token that is not a string', { token: 42 }],
    ['a token longer than 8,192 characters', { token: 'a'.repeat(8193) }],
    ['an unknown field', { token: 'x.y.z', extra: true }],
  ])('answers invalid_data to auth.refresh with %s, and the socket stays open', async (_, data) => {
    const alice = unique('alice');
    const client = await herald.connect(alice);
    client.send({ event: 'auth.refresh', data });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_data' });
    client.send({ event: 'auth.refresh', data: { token: token({ sub: alice, ttl: 7200 }) } });
    await client.next('auth.refreshed');
  });
});
