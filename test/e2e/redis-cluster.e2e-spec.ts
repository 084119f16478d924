import { userGroup } from '../../src/broadcaster/groups';
import { allDelivered } from '../support/all-delivered';
import { byId, deliveryFaults, NO_FAULTS, notificationIds } from '../support/delivery-audit';
import { arrivalsOf, reportFigures } from '../support/delivery-figures';
import { expectEventually } from '../support/expect-eventually';
import { inParallel } from '../support/in-parallel';
import { postMarker } from '../support/marker-notification';
import { postNotifications } from '../support/outage-requests';
import { CLUSTER_NODE_TIMEOUT_MS, usePrivateRedisCluster } from '../support/private-redis-cluster';
import { scrapeMetrics } from '../support/scrape-metrics';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/**
 * Two Herald instances of one deployment on a private 3-master, 3-replica
 * Redis Cluster (`REDIS_CLUSTER_NODES`, sharded pub/sub) and the shared
 * MySQL: they deliver each other's notifications, and a master SIGKILLed
 * while notifications flow loses and repeats nothing. The measured
 * recovery is printed as a `delivery-faults: cluster-failover` line
 * (docs/scaling.md quotes it).
 */
describe('Herald on a Redis Cluster (private, 3 masters and 3 replicas)', () => {
  const redis = usePrivateRedisCluster();
  const prefix = `${unique('herald-cluster')}:`;
  const deployment = () => ({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: redis.cluster.seeds, REDIS_PREFIX: prefix });

  describe('with two in-process instances', () => {
    const a = useHerald(deployment);
    const b = useHerald(deployment);

    it('reports ready with the cluster in its readiness check', async () => {
      const response = await a.app.http().get('/health/ready').expect(200);
      expect(response.body.details.broadcaster).toEqual({ status: 'up' });
    });

    it("delivers each instance's notifications to the other instance's sockets, across the shards", async () => {
      const service = serviceToken(unique('svc'));
      // Four users per shard, picked from random ids: the users' groups land on every shard.
      const candidates = Array.from({ length: 60 }, (_, i) => unique(`cross${i}`));
      const masters = await Promise.all(candidates.map((user) => redis.cluster.masterOf(`${prefix}group:${userGroup(user)}`)));
      const users = [...new Set(masters)].flatMap((master) => candidates.filter((_, i) => masters[i] === master).slice(0, 4));
      expect(new Set(users.map((user) => masters[candidates.indexOf(user)])).size).toBe(3);
      const onA = await inParallel(users.length, 4, (i) => a.connect(users[i]));
      const onB = await inParallel(users.length, 4, (i) => b.connect(users[i]));

      // Each marker is awaited on both instances' sockets, so the audit below sees everything that was delivered.
      const fromA = await postMarker(a.app.baseUrl, service, users, 'cluster.from-a', [...onA, ...onB]);
      const fromB = await postMarker(b.app.baseUrl, service, users, 'cluster.from-b', [...onA, ...onB]);

      onA.forEach((client, u) => expect(deliveryFaults(notificationIds(client), [fromA.ids[u], fromB.ids[u]])).toEqual(NO_FAULTS));
      onB.forEach((client, u) => expect(deliveryFaults(notificationIds(client), [fromA.ids[u], fromB.ids[u]])).toEqual(NO_FAULTS));
    });

    // Last in this block: it leaves the cluster with a promoted replica and no spare.
    it('loses and repeats nothing when a master is SIGKILLed while notifications flow, and catches the sockets up from the database', async () => {
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 24 }, (_, i) => unique(`failover${i}`));
      const instances = [a, b];
      const live = await inParallel(users.length, 4, (i) => instances[i % 2].connect(users[i]));
      const arrivals = live.map(arrivalsOf);
      const warmUp = await postMarker(a.app.baseUrl, service, users, 'failover.warm-up', live);
      const victim = await redis.cluster.masterOf(`${prefix}group:${userGroup(users[0])}`);
      const onVictim = (
        await Promise.all(users.map(async (user, u) => ((await redis.cluster.masterOf(`${prefix}group:${userGroup(user)}`)) === victim ? u : -1)))
      ).filter((u) => u >= 0);

      let killedAt = 0;
      const posts = await inParallel(users.length * 12, 4, async (i) => {
        if (i === users.length * 4) {
          await redis.cluster.kill(victim);
          killedAt = performance.now();
        }
        return postNotifications(instances[i % 2].app.baseUrl, service, [users[i % users.length]], `failover.${i}`);
      });
      expect(posts.filter((post) => post.status !== 201)).toEqual([]);
      const expected = users.map((_, u) => [warmUp.ids[u], ...posts.filter((_, i) => i % users.length === u).flatMap((post) => post.ids)].sort(byId));

      // Both instances hold their subscriptions again (re-subscribed on the promoted replica).
      const upAgain = async (baseUrl: string) => {
        await expectEventually(async () => expect((await scrapeMetrics(baseUrl)).value('herald_broadcaster_up')).toBe(1), 30_000, 50);
        return performance.now();
      };
      const [aUp, bUp] = await Promise.all([upAgain(a.app.baseUrl), upAgain(b.app.baseUrl)]);
      await allDelivered(
        live.map((client, u) => ({ label: `user ${u} on ${u % 2 ? 'B' : 'A'}`, ids: () => notificationIds(client), expected: () => expected[u], client })),
        30_000,
      );
      const sentinel = await postMarker(b.app.baseUrl, service, users, 'failover.sentinel', live);
      live.forEach((client, u) =>
        expect({ user: u, ...deliveryFaults(notificationIds(client), [...expected[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }),
      );
      // The victim's users missed frames live and got them from the catch-up replay.
      expect(onVictim.length).toBeGreaterThan(0);
      expect(onVictim.some((u) => live[u].all('resumed').length > 0)).toBe(true);

      const lastDelivery = Math.max(...arrivals.flatMap((arrival, u) => expected[u].map((id) => arrival.get(id) ?? Infinity)));
      reportFigures('cluster-failover', {
        sockets: live.length,
        socketsOnKilledShard: onVictim.length,
        posts: posts.length,
        clusterNodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS,
        resubscribedAfterKillMs: Math.round(Math.max(aUp, bUp) - killedAt),
        lastDeliveryAfterKillMs: Math.round(lastDelivery - killedAt),
      });
    }, 120_000);
  });
});
