import Redis from 'ioredis';
import { userGroup } from '../../src/broadcaster/groups';
import { deliveryFaults, NO_FAULTS, notificationIds } from '../support/delivery-audit';
import { expectEventually } from '../support/expect-eventually';
import { postMarker } from '../support/marker-notification';
import { postNotifications } from '../support/outage-requests';
import { RedisAdmin } from '../support/redis-admin';
import { scrapeMetrics } from '../support/scrape-metrics';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { usePrivateServers } from '../support/use-private-servers';

/**
 * A socket that connects while the broadcaster is interrupted: its groups
 * may already be subscribed on this instance (another socket of the user,
 * and the broadcast group, hold them), so it gets `ready` at once while
 * every frame published to those groups is being lost. It must be caught up
 * from the database once the subscriptions are back, like the sockets that
 * were open when the interruption began.
 */
describe('a socket that connects while the broadcaster is interrupted (private Redis and MariaDB)', () => {
  const servers = usePrivateServers();
  const prefix = `${unique('herald-interrupted')}:`;

  describe('with one instance', () => {
    const herald = useHerald(() => ({ DATABASE_URL: servers.mariadb.url, REDIS_URL: servers.redis.url, REDIS_PREFIX: prefix }));

    it('is caught up from the database once the subscriptions are back, with what was published while it was connecting', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('late');
      const before = await herald.connect(user);
      await postMarker(herald.app.baseUrl, service, [user], 'interrupted.warm-up', [before]);

      // A witness on its own connection sees what Redis delivers to subscribers of the user's group.
      const witness = new Redis(servers.redis.url);
      const witnessed: string[] = [];
      await witness.subscribe(`${prefix}group:${userGroup(user)}`);
      witness.on('message', (_channel: string, message: string) => witnessed.push(message));
      const admin = new RedisAdmin(servers.redis.url);
      try {
        // The subscriber is dropped and stays out (Redis refuses new connections); the publisher stays connected.
        await admin.refuseNewClients();
        expect(await admin.dropSubscribersNamed('herald-subscriber')).toBe(1);
        await expectEventually(async () => expect((await scrapeMetrics(herald.app.baseUrl)).value('herald_broadcaster_up')).toBe(0), 10_000);

        const late = await herald.connect(user);
        const missed = await postNotifications(herald.app.baseUrl, service, [user], 'interrupted.missed');
        expect(missed.status).toBe(201);
        // Published while this instance is not subscribed: lost to both of its sockets.
        await expectEventually(() => expect(witnessed.some((frame) => frame.includes(missed.ids[0]))).toBe(true), 10_000);

        await admin.acceptNewClients();
        await Promise.all([before, late].map((client) => client.next('notification', (n: { id: string }) => n.id === missed.ids[0], 15_000)));
        const sentinel = await postMarker(herald.app.baseUrl, service, [user], 'interrupted.sentinel', [late]);

        expect(deliveryFaults(notificationIds(late), [missed.ids[0], sentinel.ids[0]])).toEqual(NO_FAULTS);
      } finally {
        await admin.acceptNewClients().catch(() => undefined);
        admin.close();
        witness.disconnect();
      }
    }, 60_000);
  });
});
