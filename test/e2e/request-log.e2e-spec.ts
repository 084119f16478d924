import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { createTestApp, TestApp } from '../support/create-test-app';
import { expectEventually } from '../support/expect-eventually';
import { LogCapture, LogLine } from '../support/log-capture';
import { acquireTestDatabase, releaseTestDatabase } from '../support/test-database';
import { unique } from '../support/test-env';
import { token, userToken } from '../support/tokens';
import { TestClient, upgradeStatus } from '../support/ws-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the request log with LOG_FORMAT=json', () => {
  const log = new LogCapture();
  let herald: TestApp;

  beforeAll(async () => {
    // verbose: every line Herald can write, so that a token in any of them would show.
    herald = await createTestApp({ LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' }, { logDestination: log });
  });
  afterAll(async () => {
    await herald.close();
  });

  /** Waits for the one line of the request `reqId`. */
  const lineOf = (reqId: string) =>
    expectEventually(() => {
      const lines = log.json().filter((line) => line.reqId === reqId && line.res !== undefined);
      expect(lines).toHaveLength(1);
      return lines[0];
    });

  it("writes only JSON lines, with ISO times and level names, Nest's own lines included", () => {
    const lines = log.json();
    expect(lines.find((line) => line.msg === 'Nest application successfully started')).toMatchObject({ level: 'info', context: 'NestApplication' });
    for (const line of lines)
      expect(line).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('logs each HTTP request once with its reqId and echoes the id as X-Request-Id', async () => {
    const response = await herald.http().get('/health').expect(200);
    const id = response.headers['x-request-id'];
    expect(id).toMatch(UUID);
    const line = await lineOf(id);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'GET /health 200',
      req: { id, method: 'GET', url: '/health' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
  });

  it('uses an incoming X-Request-Id of 1-128 visible characters as the id', async () => {
    const id = `trace-${unique('r')}/span:7`;
    const response = await herald.http().get('/health').set('x-request-id', id).expect(200);
    expect(response.headers['x-request-id']).toBe(id);
    expect(await lineOf(id)).toMatchObject({ req: { url: '/health' } });
  });

  it.each([
    ['longer than 128 characters', 'x'.repeat(129)],
    ['with a space', 'two words'],
  ])('replaces an incoming X-Request-Id %s with a UUID', async (_, incoming) => {
    const response = await herald.http().get('/health').set('x-request-id', incoming).expect(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(await lineOf(response.headers['x-request-id'])).toMatchObject({ req: { headers: { 'x-request-id': incoming } } });
  });

  it('logs and tags a request refused before routing (413)', async () => {
    const body = { recipients: ['a'], type: 'big', payload: { blob: 'x'.repeat(herald.config.bodyLimitBytes) } };
    const response = await herald
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${userToken(unique('s'))}`)
      .send(body)
      .expect(413);
    expect(await lineOf(response.headers['x-request-id'])).toMatchObject({ msg: 'POST /notifications 413', res: { statusCode: 413 } });
  });

  it('never writes a token sent in the query or in the Authorization header', async () => {
    const inQuery = userToken(unique('query'));
    const inHeader = userToken(unique('header'));
    const response = await herald.http().get(`/notifications/unread-count?x=1&access_token=${inQuery}`).set('authorization', `Bearer ${inHeader}`).expect(200);
    const line = await lineOf(response.headers['x-request-id']);
    expect(line.req.url).toBe('/notifications/unread-count?x=1&access_token=[Redacted]');
    expect(line.req.headers.authorization).toBe('[Redacted]');
    for (const secret of [inQuery, inHeader, inQuery.split('.')[2], inHeader.split('.')[2]]) expect(log.text).not.toContain(secret);
  });

  it('logs an accepted WebSocket upgrade with its reqId, echoes X-Request-Id on the 101, and never writes the token', async () => {
    const secret = userToken(unique('socket'));
    const client = TestClient.open(herald.wsUrl, { queryToken: secret, headers: { 'x-request-id': unique('ws') } });
    const echoed = await new Promise<string | string[] | undefined>((resolve) =>
      client.socket.once('upgrade', (response) => resolve(response.headers['x-request-id'])),
    );
    await client.next('ready');
    await client.close();
    expect(typeof echoed).toBe('string');
    expect(await lineOf(echoed as string)).toMatchObject({
      msg: 'GET /ws?access_token=[Redacted] 101',
      req: { url: '/ws?access_token=[Redacted]' },
      res: { statusCode: 101 },
    });
    expect(log.text).not.toContain(secret);
    expect(log.text).not.toContain(secret.split('.')[2]);
  });

  it('logs a refused WebSocket upgrade without the token it carried', async () => {
    const forged = token({ sub: unique('mallory'), secret: 'not-the-herald-test-secret-0123456789abcdef' });
    const header = token({ sub: unique('mallory'), ttl: -60 });
    expect(await upgradeStatus(herald.wsUrl, { queryToken: forged })).toBe(401);
    expect(await upgradeStatus(herald.wsUrl, { token: header })).toBe(401);
    await expectEventually(() =>
      expect(log.json().filter((line: LogLine) => line.res?.statusCode === 401 && line.req?.url?.startsWith('/ws'))).toHaveLength(2),
    );
    for (const secret of [forged, header, forged.split('.')[2], header.split('.')[2]]) expect(log.text).not.toContain(secret);
  });
});

describe('the request log with LOG_FORMAT=pretty', () => {
  const log = new LogCapture();
  let herald: TestApp;

  beforeAll(async () => {
    herald = await createTestApp({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'log' }, { logDestination: log });
  });
  afterAll(async () => {
    await herald.close();
  });

  it('writes one readable line per request with its reqId, and the token redacted', async () => {
    const id = unique('pretty');
    const secret = userToken(unique('alice'));
    await herald.http().get(`/health?access_token=${secret}`).set('x-request-id', id).expect(200);
    const line = await expectEventually(() => {
      const found = log.text.split('\n').find((candidate) => candidate.includes(id));
      expect(found).toBeDefined();
      return found as string;
    });
    expect(line).toMatch(/INFO.*GET \/health\?access_token=\[Redacted\] 200/);
    expect(() => JSON.parse(line)).toThrow(SyntaxError);
    expect(log.text).not.toContain(secret);
  });
});

describe('log lines written while a request is handled', () => {
  const log = new LogCapture();
  let database: string;
  let hop: CuttableHop;
  let herald: TestApp;

  beforeAll(async () => {
    // MySQL behind a hop the test can cut, so that a request logs from inside Herald (the outage warning).
    database = await acquireTestDatabase(unique('request-log-db'));
    const proxied = new URL(database);
    hop = await CuttableHop.start(proxied.hostname, Number(proxied.port));
    proxied.port = String(hop.port);
    herald = await createTestApp({ DATABASE_URL: proxied.toString(), LOG_FORMAT: 'json', LOG_LEVEL: 'log' }, { logDestination: log });
  });
  afterAll(async () => {
    hop?.restore();
    await herald?.close();
    await hop?.close();
    if (database) await releaseTestDatabase(database);
  });

  it("carry the request's reqId", async () => {
    hop.cut();
    const response = await herald
      .http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(unique('alice'))}`)
      .set('x-request-id', unique('outage'))
      .expect(503);
    const id = response.headers['x-request-id'];
    const warning = await expectEventually(() => {
      const found = log.json().find((line) => line.context === 'DatabaseUnavailableFilter');
      expect(found).toBeDefined();
      return found as LogLine;
    });
    expect(warning).toMatchObject({ level: 'warn', reqId: id, msg: expect.stringMatching(/^database unavailable/) });
    expect((await lineOfRequest(log, id)).res.statusCode).toBe(503);
  });
});

function lineOfRequest(log: LogCapture, reqId: string): Promise<LogLine> {
  return expectEventually(() => {
    const found = log.json().find((line) => line.reqId === reqId && line.res !== undefined);
    expect(found).toBeDefined();
    return found as LogLine;
  });
}

/** A plain TCP hop to MySQL that the test can cut: `cut()` drops every connection and refuses new ones. */
class CuttableHop {
  private readonly sockets = new Set<Socket>();
  private refusing = false;

  private constructor(
    private readonly server: Server,
    private readonly host: string,
    private readonly targetPort: number,
  ) {
    server.on('connection', (client) => {
      if (this.refusing) return void client.destroy();
      const upstream = connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(host: string, port: number): Promise<CuttableHop> {
    const hop = new CuttableHop(createServer(), host, port);
    await new Promise<void>((resolve) => hop.server.listen(0, '127.0.0.1', resolve));
    return hop;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
