import { nowSeconds, signJws } from '../support/jws';
import { TEST_JWT_SECRET, unique } from '../support/test-env';
import { token, unsignedToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { upgradeStatus } from '../support/ws-client';

const OTHER_SECRET = 'not-the-herald-test-secret-0123456789abcdef';

/** Correctly signed with the test secret, yet malformed: every carrier must answer 401, never 500. */
const hostileTokens: Array<[string, () => string]> = [
  ['has a JSON null payload', () => signJws('HS256', TEST_JWT_SECRET, null)],
  ['has a JSON array payload', () => signJws('HS256', TEST_JWT_SECRET, [{ sub: unique('alice'), exp: nowSeconds() + 600 }])],
  [
    'marks an unknown extension critical (crit)',
    () => signJws('HS256', TEST_JWT_SECRET, { sub: unique('alice'), exp: nowSeconds() + 600 }, { crit: ['x-ext'], 'x-ext': true }),
  ],
  ['marks b64 false critical', () => signJws('HS256', TEST_JWT_SECRET, { sub: unique('alice'), exp: nowSeconds() + 600 }, { crit: ['b64'], b64: false })],
];

describe('WebSocket upgrade authentication on /ws', () => {
  const herald = useHerald();

  it('accepts the upgrade with 101 for a valid token in the Authorization header', async () => {
    expect(await upgradeStatus(herald.app.wsUrl, { token: userToken(unique('alice')) })).toBe(101);
  });

  it('accepts the upgrade with 101 for a valid token in the access_token query parameter', async () => {
    expect(await upgradeStatus(herald.app.wsUrl, { queryToken: userToken(unique('alice')) })).toBe(101);
  });

  it('refuses the upgrade with 401 when no token is sent', async () => {
    expect(await upgradeStatus(herald.app.wsUrl)).toBe(401);
  });

  it.each([
    ['a Basic scheme', `Basic ${Buffer.from('alice:secret').toString('base64')}`],
    ['the Bearer scheme without a token', 'Bearer'],
    ['two tokens', () => `Bearer ${userToken(unique('a'))} ${userToken(unique('b'))}`],
    ['a token without the scheme', () => userToken(unique('alice'))],
    ['a tab between Bearer and a valid token', () => `Bearer\t${userToken(unique('alice'))}`],
  ])('refuses the upgrade with 401 when the Authorization header has %s', async (_case, header) => {
    const authorization = typeof header === 'function' ? header() : header;
    expect(await upgradeStatus(herald.app.wsUrl, { headers: { authorization } })).toBe(401);
  });

  it.each<[string, () => string]>([
    ['is not a JWT', () => 'not-a-jwt'],
    ['has expired', () => token({ sub: unique('alice'), ttl: -60 })],
    ['is signed with another secret', () => token({ sub: unique('alice'), secret: OTHER_SECRET })],
    ['is unsigned (alg none)', () => unsignedToken(unique('alice'))],
    ['has no exp', () => token({ sub: unique('alice'), noExp: true })],
    ['is signed with HS512 and the right secret', () => token({ sub: unique('alice'), algorithm: 'HS512' })],
    ['has no sub', () => token({})],
    ['has an empty sub', () => token({ sub: '' })],
    ['has a sub of 129 characters', () => token({ sub: 'a'.repeat(129) })],
    ['has a sub that is not a string', () => token({ sub: 42 })],
    ['has roles that are not an array', () => token({ sub: unique('alice'), roles: 'admin' })],
    ['has roles that are not all strings', () => token({ sub: unique('alice'), roles: ['admin', 7] })],
    ...hostileTokens,
  ])('refuses the upgrade with 401 when the token %s, in the header or the query', async (_case, build) => {
    expect(await upgradeStatus(herald.app.wsUrl, { token: build() })).toBe(401);
    expect(await upgradeStatus(herald.app.wsUrl, { queryToken: build() })).toBe(401);
  });

  it('accepts a sub of exactly 128 characters', async () => {
    expect(await upgradeStatus(herald.app.wsUrl, { token: token({ sub: `${unique('u')}`.padEnd(128, 'x') }) })).toBe(101);
  });

  it('refuses the upgrade with 400 when the token is sent in both the header and the query', async () => {
    const valid = userToken(unique('alice'));
    expect(await upgradeStatus(herald.app.wsUrl, { token: valid, queryToken: valid })).toBe(400);
  });

  it('accepts a browser whose Origin is the service itself', async () => {
    expect(await upgradeStatus(herald.app.wsUrl, { token: userToken(unique('alice')), headers: { origin: herald.app.baseUrl } })).toBe(101);
  });

  it('refuses the upgrade with 403 when a browser comes from another origin, even with a valid token', async () => {
    const valid = userToken(unique('alice'));
    expect(await upgradeStatus(herald.app.wsUrl, { token: valid, headers: { origin: 'http://evil.example' } })).toBe(403);
    const otherPort = herald.app.baseUrl.replace(/:(\d+)$/, (_match, port: string) => `:${Number(port) === 65535 ? 65534 : Number(port) + 1}`);
    expect(await upgradeStatus(herald.app.wsUrl, { token: valid, headers: { origin: otherPort } })).toBe(403);
  });

  it('accepts a client that sends no Origin (a non-browser client)', async () => {
    expect(await upgradeStatus(herald.app.wsUrl, { token: userToken(unique('alice')) })).toBe(101);
  });
});

describe('REST authentication', () => {
  const herald = useHerald();

  it('answers 401 with a Bearer WWW-Authenticate challenge and the NestJS error shape when no token is sent', async () => {
    const response = await herald.app.http().get('/notifications').expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
  });

  it.each<[string, () => string]>([
    ['unsigned (alg none)', () => unsignedToken(unique('alice'))],
    ['without exp', () => token({ sub: unique('alice'), noExp: true })],
    ['expired', () => token({ sub: unique('alice'), ttl: -60 })],
    ['signed with HS512', () => token({ sub: unique('alice'), algorithm: 'HS512' })],
    ['signed with another secret', () => token({ sub: unique('alice'), secret: OTHER_SECRET })],
  ])('answers 401 to a token that is %s', async (_case, build) => {
    const response = await herald.app.http().get('/notifications').set('authorization', `Bearer ${build()}`).expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it.each(hostileTokens)('answers 401 in the NestJS shape, not 500, to a token that %s', async (_case, build) => {
    const response = await herald.app.http().get('/notifications').set('authorization', `Bearer ${build()}`).expect(401);
    expect(response.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
  });

  it('answers 401 to a valid token after a tab instead of a space, as the upgrade does', async () => {
    await herald.app
      .http()
      .get('/notifications')
      .set('authorization', `Bearer\t${userToken(unique('alice'))}`)
      .expect(401);
  });

  it.each([
    ['the scheme in lower case', (jwt: string) => `bearer ${jwt}`],
    ['two spaces (RFC 6750 1*SP)', (jwt: string) => `Bearer  ${jwt}`],
  ])('answers 200 to a valid token with %s, as the upgrade does', async (_case, header) => {
    await herald.app
      .http()
      .get('/notifications')
      .set('authorization', header(userToken(unique('alice'))))
      .expect(200);
  });

  it('answers 200 to a valid token', async () => {
    await herald.app
      .http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(unique('alice'))}`)
      .expect(200);
  });
});

describe('allowed origins from ALLOWED_ORIGINS', () => {
  const herald = useHerald({ ALLOWED_ORIGINS: 'https://app.example.com' });

  it('accepts a browser from a listed origin', async () => {
    const status = await upgradeStatus(herald.app.wsUrl, { token: userToken(unique('alice')), headers: { origin: 'https://app.example.com' } });
    expect(status).toBe(101);
  });

  it.each(['https://other.example.com', 'http://app.example.com', 'https://app.example.com.evil.example', 'null'])(
    'refuses the upgrade with 403 for the unlisted origin %s',
    async (origin) => {
      expect(await upgradeStatus(herald.app.wsUrl, { token: userToken(unique('alice')), headers: { origin } })).toBe(403);
    },
  );
});

describe('issuer and audience checks from JWT_ISSUER and JWT_AUDIENCE', () => {
  const ISSUER = 'herald-tests';
  const AUDIENCE = 'web';
  const herald = useHerald({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });

  it('accepts a token with the configured iss and aud on /ws and on REST', async () => {
    const valid = token({ sub: unique('alice'), issuer: ISSUER, audience: AUDIENCE });
    expect(await upgradeStatus(herald.app.wsUrl, { token: valid })).toBe(101);
    await herald.app.http().get('/notifications').set('authorization', `Bearer ${valid}`).expect(200);
  });

  it.each<[string, () => string]>([
    ['a wrong iss', () => token({ sub: unique('alice'), issuer: 'someone-else', audience: AUDIENCE })],
    ['no iss', () => token({ sub: unique('alice'), audience: AUDIENCE })],
    ['a wrong aud', () => token({ sub: unique('alice'), issuer: ISSUER, audience: 'mobile' })],
    ['no aud', () => token({ sub: unique('alice'), issuer: ISSUER })],
  ])('refuses a token with %s with 401 on /ws and on REST', async (_case, build) => {
    const refused = build();
    expect(await upgradeStatus(herald.app.wsUrl, { token: refused })).toBe(401);
    await herald.app.http().get('/notifications').set('authorization', `Bearer ${refused}`).expect(401);
  });
});
