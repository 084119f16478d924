import { createServer, Server, Socket } from 'node:net';
import { useHerald } from '../support/use-herald';
import { within } from '../support/within';

/** A port nothing listens on, so Redis is unreachable. */
const CLOSED_REDIS_URL = 'redis://127.0.0.1:6390/0';

describe('health probes with the database and Redis up', () => {
  const herald = useHerald();

  it('answers GET /health with 200 without a token', async () => {
    const response = await herald.app.http().get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok' });
  });

  it('answers GET /health/ready with 200 and reports the database and the broadcaster up', async () => {
    const response = await herald.app.http().get('/health/ready').expect(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up' }, broadcaster: { status: 'up' } },
    });
  });
});

describe('health probes with Redis unreachable', () => {
  // Booting must not depend on Redis: the process starts and reports not ready.
  const herald = useHerald({ REDIS_URL: CLOSED_REDIS_URL });

  it('starts the app even though Redis cannot be reached', () => {
    expect(herald.app).toBeDefined();
  });

  it('answers GET /health/ready with 503 and reports the broadcaster down and the database up', async () => {
    const response = await herald.app.http().get('/health/ready').expect(503);
    expect(response.body).toMatchObject({
      status: 'error',
      details: { database: { status: 'up' }, broadcaster: { status: 'down' } },
    });
  });

  it('still answers GET /health with 200', async () => {
    await herald.app.http().get('/health').expect(200);
  });
});

/**
 * A TCP listener standing in for a Redis that drops every connection, so
 * the test can count how often Herald tries to reach it.
 */
class DroppingRedis {
  attempts = 0;
  private readonly server: Server = createServer((socket: Socket) => {
    this.attempts++;
    socket.destroy();
    this.waiters.splice(0).forEach((wake) => wake());
  });
  private waiters: Array<() => void> = [];

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(this.server.address() as { port: number }).port}/0`;
  }

  /** Resolves at the next connection attempt. */
  nextAttempt(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('shutdown with Redis unreachable', () => {
  const redis = new DroppingRedis();
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = await redis.listen();
  });
  // The test closes the app itself; the fixture's close after it is then a no-op.
  const herald = useHerald(() => ({ REDIS_URL: redisUrl }), { perTest: true });
  afterAll(async () => {
    await redis.close();
  });

  it('stops trying to reach Redis once the app is closed', async () => {
    await within(redis.nextAttempt(), 5_000, 'a first connection attempt to Redis');
    await herald.app.http().get('/health/ready').expect(503);

    await herald.app.close();
    // ioredis retries at most 2 s apart; a client left running after close would be back within this window.
    const reconnect = redis.nextAttempt();
    await expect(within(reconnect, 3_000, 'a reconnect')).rejects.toThrow('a reconnect did not happen');
  });
});
