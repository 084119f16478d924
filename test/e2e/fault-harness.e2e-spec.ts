import request from 'supertest';
import { expectEventually } from '../support/expect-eventually';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHeraldProcess } from '../support/use-herald-process';
import { usePrivateServers } from '../support/use-private-servers';

/**
 * The fault-test harness end to end: Herald as a real child process against
 * a private Redis and MariaDB that the tests stop and start. The shared
 * servers on 6379 and 3306 are never touched. The tests run in order and
 * share one Herald, as an outage and its recovery do.
 */
describe('Herald as a child process against a private Redis and MariaDB', () => {
  const servers = usePrivateServers();

  // Nested so that Herald stops before its servers do: jest runs one block's after-hooks in declaration order.
  describe('through their outages and recoveries', () => {
    const herald = useHeraldProcess(() => ({ DATABASE_URL: servers.mariadb.url, REDIS_URL: servers.redis.url }));
    const notify = (recipient: string) =>
      request(herald.process.baseUrl)
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .send({ recipients: [recipient], type: 'fault.probe', payload: {}, actor: 'svc' })
        .timeout({ response: 15_000 });
    /** Polls `GET /health/ready` until it answers `status`; the failure names the last answer and Herald's output. */
    const readiness = (status: number, timeoutMs: number) =>
      expectEventually(
        async () => {
          const response = await request(herald.process.baseUrl).get('/health/ready').timeout({ response: 5_000 });
          if (response.status !== status) {
            throw new Error(
              `GET /health/ready answered ${response.status} ${JSON.stringify(response.body)}, not ${status}; Herald output:\n${herald.process.output()}`,
            );
          }
          return response.body as { details: Record<string, { status: string }> };
        },
        timeoutMs,
        100,
      );

    it('delivers a notification POSTed with a service token to the recipient socket', async () => {
      const alice = unique('alice');
      const client = await herald.connect(alice);

      const [id] = (await notify(alice).expect(201)).body.ids as string[];

      await expect(client.next('notification', (n: { id: string }) => n.id === id)).resolves.toMatchObject({ type: 'fault.probe' });
    });

    it('reports not ready while its Redis is stopped and ready again once Redis is back', async () => {
      await servers.redis.stop();
      const down = await readiness(503, 10_000);
      expect(down.details).toMatchObject({ broadcaster: { status: 'down' }, database: { status: 'up' } });

      await servers.redis.start();
      await readiness(200, 15_000);
    }, 35_000);

    it('fails a POST with a server error while its MariaDB is stopped', async () => {
      await servers.mariadb.stop();

      const response = await notify(unique('bob'));

      expect(response.status).toBeGreaterThanOrEqual(500);
    }, 25_000);

    it('stores notifications again once its MariaDB is back', async () => {
      await servers.mariadb.start();
      await readiness(200, 15_000);
      await expectEventually(() => notify(unique('carol')).expect(201), 10_000, 200);
    }, 35_000);
  });
});
