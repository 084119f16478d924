import request from 'supertest';
import { startHeraldProcess } from '../support/herald-process';
import { acquireTestDatabase, releaseTestDatabase } from '../support/test-database';
import { TEST_REDIS_URL, unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/**
 * SIGTERM on a real process: the instance relays what it accepted, closes
 * its sockets with 1001 so clients reconnect elsewhere, and exits within
 * the shutdown bound.
 */
describe('graceful shutdown on SIGTERM', () => {
  it('delivers what it accepted, closes sockets with 1001 and exits within 10 s', async () => {
    const prefix = `${unique('herald-shutdown')}:`;
    const databaseUrl = await acquireTestDatabase(prefix);
    const herald = await startHeraldProcess({ DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix });
    try {
      const alice = unique('alice');
      const client = await TestClient.connect(herald.wsUrl, { token: userToken(alice) });
      const recipients = [alice, ...Array.from({ length: 999 }, (_, i) => unique(`u${i}`))];
      const response = await request(herald.baseUrl)
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .send({ recipients, type: 'shutdown.test' })
        .expect(201);

      const started = Date.now();
      herald.kill('SIGTERM');
      const closed = await client.closed;
      const exit = await herald.exited;

      expect(closed.code).toBe(1001);
      expect(client.all('notification').map((n: { id: string }) => n.id)).toEqual([response.body.ids[0]]);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    } finally {
      await herald.stop();
      await releaseTestDatabase(databaseUrl);
    }
  }, 60_000);
});
