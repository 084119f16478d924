import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { TokenRules } from '../auth/token-rules';
import { signAccessToken } from '../auth/token-signer';
import { loadConfig } from '../config/load-config';
import { principalOf, UpgradeAuthenticator } from './upgrade-authenticator';

const config = loadConfig({ JWT_SECRET: 'upgrade-authenticator-spec-secret-0123456789' });
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
    it('accepts an http Origin whose host:port is the Host header', () => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin: `http://${HOST}` })).ok).toBe(true);
    });

    it('accepts an https Origin for the same host (TLS terminated by a proxy)', () => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin: `https://${HOST}` })).ok).toBe(true);
    });

    it('accepts a request with no Origin (a non-browser client)', () => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`)).ok).toBe(true);
    });

    it.each([
      ['another host', 'http://evil.test:3000'],
      ['another port', 'http://herald.test:4000'],
      ['a non-http scheme', 'ftp://herald.test:3000'],
      ['a malformed value', 'not an origin'],
      ['the opaque origin null', 'null'],
    ])('refuses %s with 403 even with a valid token', (_, origin) => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`, { origin }))).toMatchObject({ ok: false, status: 403 });
    });

    it('refuses a browser Origin with 403 when the request has no Host header', () => {
      const request = { url: `/ws?access_token=${token}`, headers: { origin: `http://${HOST}` } } as IncomingMessage;
      expect(sameOrigin.decide(request)).toMatchObject({ ok: false, status: 403 });
    });

    describe('with ALLOWED_ORIGINS', () => {
      const allowList = new UpgradeAuthenticator(rules, ['https://app.example.com', 'http://localhost:5173']);

      it.each(['https://app.example.com', 'http://localhost:5173'])('accepts the listed origin %s', (origin) => {
        expect(allowList.decide(upgrade(`/ws?access_token=${token}`, { origin })).ok).toBe(true);
      });

      it('refuses an unlisted origin with 403', () => {
        expect(allowList.decide(upgrade(`/ws?access_token=${token}`, { origin: 'https://evil.example.com' }))).toMatchObject({ ok: false, status: 403 });
      });

      it('still accepts a request with no Origin', () => {
        expect(allowList.decide(upgrade(`/ws?access_token=${token}`)).ok).toBe(true);
      });
    });
  });

  describe('token', () => {
    it('accepts a valid token in the Authorization: Bearer header and returns its principal', () => {
      expect(sameOrigin.decide(upgrade('/ws', { authorization: `Bearer ${token}` }))).toMatchObject({
        ok: true,
        principal: { sub: 'alice', roles: ['admin'] },
      });
    });

    it('accepts a valid token in the access_token query parameter', () => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}`))).toMatchObject({ ok: true, principal: { sub: 'alice' } });
    });

    // The auth-scheme is case-insensitive (RFC 7235 2.1) and RFC 6750 2.1 allows 1*SP before the token;
    // passport-jwt on REST accepts both, and the two transports share one rule book.
    it.each([
      ['"bearer" in lower case', `bearer ${token}`],
      ['"BEARER" in upper case', `BEARER ${token}`],
      ['two spaces after "Bearer"', `Bearer  ${token}`],
    ])('accepts an Authorization header with %s', (_, authorization) => {
      expect(sameOrigin.decide(upgrade('/ws', { authorization }))).toMatchObject({ ok: true, principal: { sub: 'alice' } });
    });

    it('refuses a token sent both in the header and the query with 400', () => {
      const request = upgrade(`/ws?access_token=${token}`, { authorization: `Bearer ${token}` });
      expect(sameOrigin.decide(request)).toMatchObject({ ok: false, status: 400 });
    });

    it('refuses two access_token parameters with 400', () => {
      expect(sameOrigin.decide(upgrade(`/ws?access_token=${token}&access_token=${token}`))).toMatchObject({ ok: false, status: 400 });
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
      ['an expired token', upgrade('/ws', { authorization: `Bearer ${signAccessToken(config, { sub: 'alice', ttlSeconds: -10 })}` })],
    ])('refuses %s with 401', (_, request) => {
      expect(sameOrigin.decide(request)).toMatchObject({ ok: false, status: 401 });
    });
  });

  describe('principalOf', () => {
    it('returns the principal of an accepted request', () => {
      const request = upgrade('/ws', { authorization: `Bearer ${token}` });
      sameOrigin.decide(request);
      expect(principalOf(request)).toMatchObject({ sub: 'alice', roles: ['admin'] });
    });

    it('returns undefined for a request that was never decided', () => {
      expect(principalOf(upgrade('/ws', { authorization: `Bearer ${token}` }))).toBeUndefined();
    });

    it.each([
      ['403 for its origin', upgrade(`/ws?access_token=${token}`, { origin: 'http://evil.test' })],
      ['400 for sending the token twice', upgrade(`/ws?access_token=${token}`, { authorization: `Bearer ${token}` })],
      ['401 for a bad token', upgrade('/ws?access_token=not.a.token')],
    ])('returns undefined for a request refused with %s', (_, request) => {
      expect(sameOrigin.decide(request).ok).toBe(false);
      expect(principalOf(request)).toBeUndefined();
    });
  });
});
