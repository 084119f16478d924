import request from 'supertest';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHeraldProcess } from '../support/use-herald-process';

/**
 * SIGTERM on a real process: the instance relays what it accepted, closes
 * its sockets with 1001 so clients reconnect elsewhere, and exits within
 * the shutdown bound.
 */
describe('graceful shutdown on SIGTERM', () => {
  // The test ends the process itself; stopping it afterwards is then a no-op.
  const herald = useHeraldProcess({}, { perTest: true });

  it('delivers what it accepted, closes sockets with 1001 and exits within 10 s', async () => {
    const alice = unique('alice');
    const client = await herald.connect(alice);
    const recipients = [alice, ...Array.from({ length: 999 }, (_, i) => unique(`u${i}`))];
    const response = await request(herald.process.baseUrl)
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients, type: 'shutdown.test' })
      .expect(201);

    const started = Date.now();
    herald.process.kill('SIGTERM');
    const closed = await client.closed;
    const exit = await herald.process.exited;

    expect(closed.code).toBe(1001);
    expect(client.all('notification').map((n: { id: string }) => n.id)).toEqual([response.body.ids[0]]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  }, 60_000);
});
