import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { TokenRules } from '../auth/token-rules';
import { signAccessToken } from '../auth/token-signer';
import { loadConfig } from '../config/load-config';
import { signJws } from '../../test/support/jws';
import { principalOf, UpgradeAuthenticator } from './upgrade-authenticator';

const SECRET = 'upgrade-authenticator-spec-secret-0123456789';
const config = loadConfig({ JWT_SECRET: SECRET });
const rules = new TokenRules(config);
const token = signAccessToken(config, { sub: 'alice', roles: ['admin'] });
const HOST = 'herald.test:3000';

/** The parts of an upgrade request the authenticator reads. */
function upgrade(url: string, headers: IncomingHttpHeaders = {}): IncomingMessage {
  return { url, headers: { host: HOST, ...headers } } as IncomingMessage;
}

const sameOrigin = new UpgradeAuthenticator(rules, null);

describe('UpgradeAuthenticator', () => {
  describe('origin', () => {
    it('accepts an http Origin whose host:port is the Host header', async () => {
      expect((await sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin: `http://${HOST}` }))).ok).toBe(true);
    });

    it('accepts an https Origin for the same host (TLS terminated by a proxy)', async () => {
      expect((await sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin: `https://${HOST}` }))).ok).toBe(true);
    });

    it('accepts a request with no Origin (a non-browser client)', async () => {
      expect((await sameOrigin.decide(upgrade(`/ws?access_token=${token}`))).ok).toBe(true);
    });

    it.each([
      ['another host', 'http://evil.test:3000'],
      ['another port', 'http://herald.test:4000'],
      ['a non-http scheme', 'ftp://herald.test:3000'],
      ['a malformed value', 'not an origin'],
      ['the opaque origin null', 'null'],
    ])('refuses %s with 403 even with a valid token', async (_, origin) => {
      await expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin }))).resolves.toMatchObject({ ok: false, status: 403 });
    });

    it('refuses a browser Origin with 403 when the request has no Host header', async () => {
      const request = { url: `/ws?access_token=${token}`, headers: { origin: `http://${HOST}` } } as IncomingMessage;
      await expect(sameOrigin.decide(request)).resolves.toMatchObject({ ok: false, status: 403 });
    });

    describe('with ALLOWED_ORIGINS', () => {
      const allowList = new UpgradeAuthenticator(rules, ['https://app.example.com', 'http://localhost:5173']);

      it.each(['https://app.example.com', 'http://localhost:5173'])('accepts the listed origin %s', async (origin) => {
        expect((await allowList.decide(upgrade(`/ws?access_token=${token}`, { origin }))).ok).toBe(true);
      });

      it('refuses an unlisted origin with 403', async () => {
        await expect(allowList.decide(upgrade(`/ws?access_token=${token}`, { origin: 'https://evil.example.com' }))).resolves.toMatchObject({
          ok: false,
          status: 403,
        });
      });

      it('still accepts a request with no Origin', async () => {
        expect((await allowList.decide(upgrade(`/ws?access_token=${token}`))).ok).toBe(true);
      });
    });
  });

  describe('token', () => {
    it('accepts a valid token in the Authorization: Bearer header and returns its principal', async () => {
      await expect(sameOrigin.decide(upgrade('/ws', { authorization: `Bearer ${token}` }))).resolves.toMatchObject({
        ok: true,
        principal: { sub: 'alice', roles: ['admin'] },
      });
    });

    it('accepts a valid token in the access_token query parameter', async () => {
      await expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`))).resolves.toMatchObject({ ok: true, principal: { sub: 'alice' } });
    });

    // The auth-scheme is case-insensitive (RFC 7235 2.1) and RFC 6750 2.1 allows 1*SP before the token;
    // passport-jwt on REST accepts both, and the two transports share one rule book.
    it.each([
      ['"bearer" in lower case', `bearer ${token}`],
      ['"BEARER" in upper case', `BEARER ${token}`],
      ['two spaces after "Bearer"', `Bearer  ${token}`],
    ])('accepts an Authorization header with %s', async (_, authorization) => {
      await expect(sameOrigin.decide(upgrade('/ws', { authorization }))).resolves.toMatchObject({ ok: true, principal: { sub: 'alice' } });
    });

    it('refuses a token sent both in the header and the query with 400', async () => {
      const request = upgrade(`/ws?access_token=${token}`, { authorization: `Bearer ${token}` });
      await expect(sameOrigin.decide(request)).resolves.toMatchObject({ ok: false, status: 400 });
    });

    it('refuses two access_token parameters with 400', async () => {
      await expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}&access_token=${token}`))).resolves.toMatchObject({ ok: false, status: 400 });
    });

    it.each([
      ['no token', upgrade('/ws')],
      ['an empty access_token', upgrade('/ws?access_token=')],
      ['a Basic Authorization header', upgrade('/ws', { authorization: 'Basic YWxpY2U6c2VjcmV0' })],
      ['a valid token under the Basic scheme', upgrade('/ws', { authorization: `Basic ${token}` })],
      ['a valid token with no scheme', upgrade('/ws', { authorization: token })],
      ['a Bearer header with no token', upgrade('/ws', { authorization: 'Bearer ' })],
      ['an invalid token', upgrade('/ws?access_token=not.a.token')],
      ['a token signed with another secret', upgrade(`/ws?access_token=${signAccessToken(loadConfig({ JWT_SECRET: 'x'.repeat(40) }), { sub: 'alice' })}`)],
      ['an expired token', upgrade('/ws', { authorization: `Bearer ${signAccessToken(config, { sub: 'alice', ttlSeconds: -60 })}` })],
      ['a tab between "Bearer" and a valid token', upgrade('/ws', { authorization: `Bearer\t${token}` })],
      ['a correctly signed token whose payload is JSON null', upgrade(`/ws?access_token=${signJws('HS256', SECRET, null)}`)],
    ])('refuses %s with 401', async (_, request) => {
      await expect(sameOrigin.decide(request)).resolves.toMatchObject({ ok: false, status: 401 });
    });
  });

  describe('principalOf', () => {
    it('returns the principal of an accepted request', async () => {
      const request = upgrade('/ws', { authorization: `Bearer ${token}` });
      await sameOrigin.decide(request);
      expect(principalOf(request)).toMatchObject({ sub: 'alice', roles: ['admin'] });
    });

    it('returns undefined for a request that was never decided', () => {
      expect(principalOf(upgrade('/ws', { authorization: `Bearer ${token}` }))).toBeUndefined();
    });

    it.each([
      ['403 for its origin', upgrade(`/ws?access_token=${token}`, { origin: 'http://evil.test' })],
      ['400 for sending the token twice', upgrade(`/ws?access_token=${token}`, { authorization: `Bearer ${token}` })],
      ['401 for a bad token', upgrade('/ws?access_token=not.a.token')],
    ])('returns undefined for a request refused with %s', async (_, request) => {
      expect((await sameOrigin.decide(request)).ok).toBe(false);
      expect(principalOf(request)).toBeUndefined();
    });
  });
});
