import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadConfig } from '../config/load-config';
import { JwsAlgorithm, nowSeconds as now, signJws, unsecuredJws } from '../../test/support/jws';
import { InvalidTokenError, TokenRules } from './token-rules';

const SECRET = 'token-keys-spec-secret-0123456789abcdefgh';
const claims = (overrides: Record<string, unknown> = {}) => ({ sub: 'alice', exp: now() + 600, ...overrides });

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

async function expectRefused(rules: TokenRules, token: string): Promise<void> {
  await expect(rules.verify(token)).rejects.toThrow(InvalidTokenError);
}

describe('TokenRules with JWT_PUBLIC_KEY', () => {
  it.each<[string, { publicKey: KeyObject; privateKey: KeyObject }, JwsAlgorithm[]]>([
    ['an RSA key with RS256 and PS256', rsa, ['RS256', 'PS256']],
    ['an EC P-256 key with ES256', ec, ['ES256']],
    ['an Ed25519 key with EdDSA', ed, ['EdDSA']],
  ])('accepts %s', async (_, pair, algorithms) => {
    const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(pair.publicKey) }));
    for (const alg of algorithms) {
      await expect(rules.verify(signJws(alg, pair.privateKey, claims()))).resolves.toMatchObject({ sub: 'alice' });
    }
  });

  it('refuses a token signed by another key of the same type', async () => {
    const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(ec.publicKey) }));
    await expectRefused(rules, signJws('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, claims()));
  });

  it('refuses an algorithm the key is not bound to, even when the signature would check', async () => {
    // PS256 with an RSA key is allowed; RS256 under an EC key, or ES256 claimed for an RSA key, is not.
    await expectRefused(new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(ec.publicKey) })), signJws('RS256', rsa.privateKey, claims()));
    await expectRefused(new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(rsa.publicKey) })), signJws('EdDSA', ed.privateKey, claims()));
  });

  describe('the public-key-as-HMAC-secret trick', () => {
    const publicPem = pem(rsa.publicKey);
    // The attacker signs HS256 with the bytes of the public key, hoping the verifier feeds them to HMAC.
    const forgeries = [
      publicPem,
      publicPem.trim(),
      rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      rsa.publicKey.export({ type: 'spki', format: 'der' }),
    ];

    it('refuses HS256 tokens signed with the public key when only JWT_PUBLIC_KEY is configured', async () => {
      const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: publicPem }));
      for (const secret of forgeries) await expectRefused(rules, signJws('HS256', secret, claims()));
    });

    it('refuses them too when JWT_SECRET is configured beside the public key', async () => {
      const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: publicPem, JWT_SECRET: SECRET }));
      for (const secret of forgeries) await expectRefused(rules, signJws('HS256', secret, claims()));
      await expect(rules.verify(signJws('HS256', SECRET, claims()))).resolves.toMatchObject({ sub: 'alice' });
      await expect(rules.verify(signJws('RS256', rsa.privateKey, claims()))).resolves.toMatchObject({ sub: 'alice' });
    });
  });

  it('refuses HS256 altogether, even signed with the development key, when only JWT_PUBLIC_KEY is configured', async () => {
    const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(ec.publicKey) }));
    await expectRefused(rules, signJws('HS256', 'herald-development-key-never-use-in-production', claims()));
  });

  it('refuses alg none', async () => {
    await expectRefused(new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(rsa.publicKey) })), unsecuredJws(claims()));
  });

  it('refuses a correctly signed token with a crit extension', async () => {
    const rules = new TokenRules(loadConfig({ JWT_PUBLIC_KEY: pem(ec.publicKey) }));
    await expectRefused(rules, signJws('ES256', ec.privateKey, claims(), { crit: ['x-ext'], 'x-ext': true }));
  });
});

describe('TokenRules with JWT_JWKS_URL', () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });

  beforeAll(async () => {
    server = createServer((request, response) => {
      fetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1'), jwk(ec.publicKey, 'ec-1'), jwk(ed.publicKey, 'ed-1')] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts RS256, PS256, ES256 and EdDSA tokens whose kid names a key of the set', async () => {
    const rules = new TokenRules(loadConfig({ JWT_JWKS_URL: jwksUrl }));
    await expect(rules.verify(signJws('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(rules.verify(signJws('PS256', rsa.privateKey, claims(), { kid: 'rsa-1' }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(rules.verify(signJws('ES256', ec.privateKey, claims(), { kid: 'ec-1' }))).resolves.toMatchObject({ sub: 'alice' });
    await expect(rules.verify(signJws('EdDSA', ed.privateKey, claims(), { kid: 'ed-1' }))).resolves.toMatchObject({ sub: 'alice' });
  });

  it('refuses HS256 when only a JWK Set is configured, whatever it is signed with', async () => {
    const rules = new TokenRules(loadConfig({ JWT_JWKS_URL: jwksUrl }));
    for (const secret of [SECRET, 'herald-development-key-never-use-in-production', pem(rsa.publicKey)]) {
      await expectRefused(rules, signJws('HS256', secret, claims(), { kid: 'rsa-1' }));
    }
  });

  it('refuses a kid whose key does not fit the algorithm', async () => {
    const rules = new TokenRules(loadConfig({ JWT_JWKS_URL: jwksUrl }));
    await expectRefused(rules, signJws('ES256', ec.privateKey, claims(), { kid: 'rsa-1' }));
  });

  it('refuses an unknown kid without refetching the set within 30 s of the last fetch', async () => {
    const rules = new TokenRules(loadConfig({ JWT_JWKS_URL: jwksUrl }));
    await expect(rules.verify(signJws('ES256', ec.privateKey, claims(), { kid: 'ec-1' }))).resolves.toMatchObject({ sub: 'alice' });
    const before = fetches;
    for (let i = 0; i < 5; i++) await expectRefused(rules, signJws('ES256', ec.privateKey, claims(), { kid: `unknown-${i}` }));
    expect(fetches).toBe(before);
  });
});
