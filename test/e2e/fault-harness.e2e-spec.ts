import request from 'supertest';
import { expectEventually } from '../support/expect-eventually';
import { HeraldProcess, startHeraldProcess } from '../support/herald-process';
import { PrivateMariaDb, startPrivateMariaDb } from '../support/private-mariadb';
import { PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/**
 * The fault-test harness end to end: Herald as a real child process against
 * a private Redis and MariaDB that the tests stop and start. The shared
 * servers on 6379 and 3306 are never touched. The tests run in order and
 * share one Herald, as an outage and its recovery do.
 */
describe('Herald as a child process against a private Redis and MariaDB', () => {
  let redis: PrivateRedis | undefined;
  let mariadb: PrivateMariaDb | undefined;
  let herald: HeraldProcess | undefined;
  const clients: TestClient[] = [];

  const app = (): HeraldProcess => {
    if (!herald) throw new Error('Herald did not start');
    return herald;
  };
  const notify = (recipient: string) =>
    request(app().baseUrl)
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type: 'fault.probe', payload: {}, actor: 'svc' })
      .timeout({ response: 15_000 });
  /** Polls `GET /health/ready` until it answers `status`; the failure names the last answer and Herald's output. */
  const readiness = (status: number, timeoutMs: number) =>
    expectEventually(async () => {
      const response = await request(app().baseUrl).get('/health/ready').timeout({ response: 5_000 });
      if (response.status !== status) {
        throw new Error(`GET /health/ready answered ${response.status} ${JSON.stringify(response.body)}, not ${status}; Herald output:\n${app().output()}`);
      }
      return response.body as { details: Record<string, { status: string }> };
    }, timeoutMs, 100);

  beforeAll(async () => {
    [redis, mariadb] = await Promise.all([startPrivateRedis(), startPrivateMariaDb()]);
    herald = await startHeraldProcess({ DATABASE_URL: mariadb.url, REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await herald?.stop();
    await Promise.all([redis?.dispose(), mariadb?.dispose()]);
  }, 40_000);

  it('delivers a notification POSTed with a service token to the recipient socket', async () => {
    const alice = unique('alice');
    const client = await TestClient.connect(app().wsUrl, { token: userToken(alice) });
    clients.push(client);

    const [id] = (await notify(alice).expect(201)).body.ids as string[];

    await expect(client.next('notification', (n: { id: string }) => n.id === id)).resolves.toMatchObject({ type: 'fault.probe' });
  });

  it('reports not ready while its Redis is stopped and ready again once Redis is back', async () => {
    await redis!.stop();
    const down = await readiness(503, 10_000);
    expect(down.details).toMatchObject({ broadcaster: { status: 'down' }, database: { status: 'up' } });

    await redis!.start();
    await readiness(200, 15_000);
  }, 35_000);

  it('fails a POST with a server error while its MariaDB is stopped', async () => {
    await mariadb!.stop();

    const response = await notify(unique('bob'));

    expect(response.status).toBeGreaterThanOrEqual(500);
  }, 25_000);

  it('stores notifications again once its MariaDB is back', async () => {
    await mariadb!.start();
    await readiness(200, 15_000);
    await expectEventually(() => notify(unique('carol')).expect(201), 10_000, 200);
  }, 35_000);
});
