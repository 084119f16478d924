import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createTestApp, TestApp } from '../support/create-test-app';
import { expectEventually } from '../support/expect-eventually';
import { signJws, nowSeconds } from '../support/jws';
import { HERALD_RESOURCE, TestOpenIdProvider } from '../support/openid-provider';
import { TEST_JWT_SECRET, unique } from '../support/test-env';
import { TestClient, upgradeStatus } from '../support/ws-client';

// The key-rotation test waits out the 30 s JWK Set cooldown.
jest.setTimeout(90_000);

/**
 * Herald configured for a company's identity provider only (no JWT_SECRET),
 * against a real OpenID Provider: tokens come from a client-credentials
 * grant, roles from Keycloak's `realm_access.roles`.
 */
describe('identity from an OpenID Provider (JWT_JWKS_URL)', () => {
  const publisher = unique('publisher');
  const reader = unique('reader');
  let idp: TestOpenIdProvider;
  let herald: TestApp;
  const clients: TestClient[] = [];

  const get = (token: string) => herald.http().get('/notifications').set('authorization', `Bearer ${token}`);
  const connect = async (token: string) => {
    const client = await TestClient.connect(herald.wsUrl, { token });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    idp = await TestOpenIdProvider.start([
      { clientId: publisher, roles: ['service'] },
      { clientId: reader, roles: [] },
    ]);
    herald = await createTestApp({
      JWT_SECRET: undefined,
      JWT_JWKS_URL: await idp.jwksUri(),
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: HERALD_RESOURCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await herald?.close();
    await idp?.close();
  });

  it('is issued a JWT access token whose sub is the client id, signed RS256 by the provider', async () => {
    const token = await idp.clientCredentialsToken(reader);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: idp.kid });
    expect(decodeJwt(token)).toMatchObject({ sub: reader, iss: idp.issuer, aud: HERALD_RESOURCE });
  });

  it('accepts the token on REST and on the WebSocket upgrade', async () => {
    const token = await idp.clientCredentialsToken(reader);
    await get(token).expect(200);
    const client = await connect(token);
    expect(client.all('ready')).toEqual([{ user: reader }]);
  });

  it('takes roles from realm_access.roles: the publisher may POST and the reader gets it live', async () => {
    const socket = await connect(await idp.clientCredentialsToken(reader));
    const publisherToken = await idp.clientCredentialsToken(publisher);
    const response = await herald
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${publisherToken}`)
      .send({ recipients: [reader], type: 'idp.check' })
      .expect(201);
    const [id] = response.body.ids as string[];
    await socket.next('notification', (n) => n.id === id);

    const readerToken = await idp.clientCredentialsToken(reader);
    await herald
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${readerToken}`)
      .send({ recipients: [publisher], type: 'idp.check' })
      .expect(403);
  });

  it('refreshes a live socket with a new token from the provider', async () => {
    const socket = await connect(await idp.clientCredentialsToken(reader));
    const fresh = await idp.clientCredentialsToken(reader);
    socket.send({ event: 'auth.refresh', data: { token: fresh } });
    expect(await socket.next('auth.refreshed')).toEqual({ exp: decodeJwt(fresh).exp });
  });

  it('refuses every HS256 token, the development key and dev tokens included, with no JWT_SECRET', async () => {
    const claims = { sub: reader, exp: nowSeconds() + 600, iss: idp.issuer, aud: HERALD_RESOURCE };
    for (const secret of [TEST_JWT_SECRET, 'herald-development-key-never-use-in-production']) {
      const forged = signJws('HS256', secret, claims);
      await get(forged).expect(401);
      expect(await upgradeStatus(herald.wsUrl, { token: forged })).toBe(401);
    }
    await herald.http().post('/auth/dev-token').send({ sub: reader }).expect(404);
  });

  it('accepts a token from a rotated signing key without a restart, refetching the set once after the 30 s cooldown', async () => {
    const before = await idp.clientCredentialsToken(reader);
    await get(before).expect(200);
    const fetchesBefore = idp.jwksRequests.length;
    const lastFetch = idp.jwksRequests[fetchesBefore - 1];

    idp.rotateKeys();
    const after = await idp.clientCredentialsToken(reader);
    expect(decodeProtectedHeader(after).kid).toBe(idp.kid);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);

    await expectEventually(() => get(after).expect(200), 60_000, 500);
    // Exactly one refetch, and not sooner than the cooldown after the previous one.
    expect(idp.jwksRequests.length).toBe(fetchesBefore + 1);
    expect(idp.jwksRequests[fetchesBefore] - lastFetch).toBeGreaterThanOrEqual(30_000);

    const client = await connect(after);
    expect(client.all('ready')).toEqual([{ user: reader }]);
    // The old key left the set: a token it signed is refused now.
    await get(before).expect(401);
  });
});
