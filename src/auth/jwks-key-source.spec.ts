import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { errors, jwtVerify } from 'jose';
import { nowSeconds as now, signJws } from '../../test/support/jws';
import { JWKS_COOLDOWN_MS, JwksKeySource, JwksUnavailable } from './jwks-key-source';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rotated = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });
const token = (privateKey: KeyObject, kid: string) => signJws('ES256', privateKey, { sub: 'alice', exp: now() + 600 }, { kid });

/** A JWK Set server whose answer the test sets, counting requests. */
class JwksServer {
  requests = 0;
  answer: 'keys' | 'rotated' | 'error' = 'keys';
  private readonly server: Server = createServer((_request, response) => {
    this.requests++;
    if (this.answer === 'error') {
      response.statusCode = 503;
      response.end();
      return;
    }
    const keys = this.answer === 'keys' ? [jwk(ec.publicKey, 'k1')] : [jwk(rotated.publicKey, 'k2')];
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys }));
  });

  async start(): Promise<URL> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks`);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Moves the clock (`Date`) ahead, leaving timers real so sockets and fetch work as usual. */
function jumpAhead(ms: number): void {
  jest.useFakeTimers({
    doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask'],
    now: Date.now() + ms,
  });
}

describe('JwksKeySource', () => {
  let idp: JwksServer;
  let source: JwksKeySource;
  const verify = (jwt: string) => jwtVerify(jwt, source.key, { algorithms: ['ES256'] });

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  beforeEach(async () => {
    idp = new JwksServer();
    source = new JwksKeySource(await idp.start());
  });
  afterEach(async () => {
    jest.useRealTimers();
    await idp.stop();
  });
  afterAll(() => jest.restoreAllMocks());

  it('fetches the set once for any number of tokens', async () => {
    for (let i = 0; i < 5; i++) await verify(token(ec.privateKey, 'k1'));
    expect(idp.requests).toBe(1);
  });

  it('refetches for an unknown kid once the cooldown has passed, and not before', async () => {
    await verify(token(ec.privateKey, 'k1'));
    idp.answer = 'rotated';
    await expect(verify(token(rotated.privateKey, 'k2'))).rejects.toThrow(errors.JWKSNoMatchingKey);
    expect(idp.requests).toBe(1);
    jumpAhead(JWKS_COOLDOWN_MS + 1);
    await expect(verify(token(rotated.privateKey, 'k2'))).resolves.toMatchObject({ payload: { sub: 'alice' } });
    expect(idp.requests).toBe(2);
  });

  it('refuses every token while the first fetch fails, and tries again only after the cooldown', async () => {
    idp.answer = 'error';
    await expect(verify(token(ec.privateKey, 'k1'))).rejects.toThrow(JwksUnavailable);
    await expect(verify(token(ec.privateKey, 'k1'))).rejects.toThrow(JwksUnavailable);
    expect(idp.requests).toBe(1);
    idp.answer = 'keys';
    jumpAhead(JWKS_COOLDOWN_MS + 1);
    await expect(verify(token(ec.privateKey, 'k1'))).resolves.toMatchObject({ payload: { sub: 'alice' } });
    expect(idp.requests).toBe(2);
  });

  it('keeps verifying with the last set fetched when a refetch of a stale set fails', async () => {
    await verify(token(ec.privateKey, 'k1'));
    idp.answer = 'error';
    // Eleven minutes later the set is past its 10-minute age and is refetched before use; the fetch fails.
    jumpAhead(11 * 60_000);
    await expect(verify(token(ec.privateKey, 'k1'))).resolves.toMatchObject({ payload: { sub: 'alice' } });
    await expect(verify(token(ec.privateKey, 'k1'))).resolves.toMatchObject({ payload: { sub: 'alice' } });
    await expect(verify(token(rotated.privateKey, 'k2'))).rejects.toThrow(errors.JWKSNoMatchingKey);
    expect(idp.requests).toBe(2);
  });
});
