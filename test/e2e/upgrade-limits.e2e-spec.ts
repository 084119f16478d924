import WebSocket from 'ws';
import { expectEventually } from '../support/expect-eventually';
import { unique } from '../support/test-env';
import { userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { TestClient } from '../support/ws-client';

interface Attempt {
  /** 101 when the upgrade was accepted. */
  status: number;
  retryAfter?: string;
  body: string;
}

/**
 * One upgrade attempt from `localAddress` (any 127.0.0.0/8 address reaches
 * the server). An accepted socket is closed again unless `keepOpen`, when
 * the caller closes `socket`.
 */
function attempt(wsUrl: string, token: string, localAddress = '127.0.0.1', keepOpen = false): Promise<Attempt & { socket: WebSocket }> {
  const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, localAddress });
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body, socket });
        socket.terminate();
      });
    });
    socket.on('open', () => {
      resolve({ status: 101, body: '', socket });
      if (!keepOpen) socket.close();
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('WebSocket upgrades per client address (WS_UPGRADES_PER_MINUTE)', () => {
  const fixture = useHerald({ WS_UPGRADES_PER_MINUTE: '5' });

  it("refuses the attempt after a minute's allowance with 429 and Retry-After, counting refused attempts too", async () => {
    const url = fixture.app.wsUrl;
    const address = '127.0.0.11';
    const results = [
      await attempt(url, userToken(unique('alice')), address),
      await attempt(url, 'not-a-token', address),
      await attempt(url, userToken(unique('bob')), address),
      await attempt(url, 'not-a-token', address),
      await attempt(url, userToken(unique('carol')), address),
    ];
    expect(results.map((result) => result.status)).toEqual([101, 401, 101, 401, 101]);

    const refused = await attempt(url, userToken(unique('dave')), address);
    expect(refused.status).toBe(429);
    // One upgrade's refill at 5 a minute is 12 s.
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(12);
    expect(refused.body).toContain('too many upgrades');
    expect((await attempt(url, 'not-a-token', address)).status).toBe(429);
  });

  it('keeps client addresses apart', async () => {
    const url = fixture.app.wsUrl;
    for (let i = 0; i < 6; i++) await attempt(url, 'not-a-token', '127.0.0.12');
    expect((await attempt(url, userToken(unique('erin')), '127.0.0.12')).status).toBe(429);
    expect((await attempt(url, userToken(unique('erin')), '127.0.0.13')).status).toBe(101);
  });
});

describe('open sockets per user (MAX_SOCKETS_PER_USER)', () => {
  const fixture = useHerald({ MAX_SOCKETS_PER_USER: '2' });

  it("refuses a user's third socket with 429 and admits one again once one of the two closes", async () => {
    const alice = unique('alice');
    const first = await fixture.connect(alice);
    await fixture.connect(alice);

    const refused = await attempt(fixture.app.wsUrl, userToken(alice));
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('MAX_SOCKETS_PER_USER');
    expect((await attempt(fixture.app.wsUrl, userToken(unique('bob')))).status).toBe(101);

    await first.close();
    // The server frees the place when the TCP connection closes, a moment after the client saw the close.
    const third = await expectEventually(async () => TestClient.connect(fixture.app.wsUrl, { token: userToken(alice) }));
    await third.close();
  });

  it('admits exactly the limit when many upgrades of one user race', async () => {
    const carol = unique('carol');
    const results = await Promise.all(Array.from({ length: 6 }, () => attempt(fixture.app.wsUrl, userToken(carol), '127.0.0.1', true)));
    try {
      expect(results.map((result) => result.status).sort()).toEqual([101, 101, 429, 429, 429, 429]);
    } finally {
      for (const { socket } of results) socket.terminate();
    }
  });
});
