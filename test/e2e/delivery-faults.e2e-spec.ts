import { allDelivered } from '../support/all-delivered';
import { byId, deliveryFaults, Id, NO_FAULTS, notificationIds } from '../support/delivery-audit';
import { arrivalsOf, percentile, reportFigures } from '../support/delivery-figures';
import { expectEventually } from '../support/expect-eventually';
import { inParallel } from '../support/in-parallel';
import { postMarker } from '../support/marker-notification';
import { PostOutcome, postNotifications, readinessStatus } from '../support/outage-requests';
import { DeliveryDatabase } from '../support/delivery-database';
import { RedisAdmin } from '../support/redis-admin';
import { storedIds } from '../support/stored-notifications';
import { TcpProxy } from '../support/tcp-proxy';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { untilElapsed } from '../support/until-elapsed';
import { useHerald } from '../support/use-herald';
import { useHeraldProcess } from '../support/use-herald-process';
import { usePrivateServers } from '../support/use-private-servers';
import { within } from '../support/within';

/**
 * The delivery guarantees under faults (docs/delivery.md): a Redis outage,
 * a subscriber connection that Redis keeps dropping, notifications published
 * again after a client resumed past them, concurrent publishers with a client
 * that keeps reconnecting, a MariaDB outage, and an instance SIGKILLed mid
 * fan-out or with commits it never published.
 * Every test runs against a private Redis and MariaDB that it stops, starts
 * or reconfigures (the shared servers on 6379 and 3306 are never touched),
 * and checks each socket against the ids the POSTs returned or the rows
 * stored: every id once, in increasing order. Waits are bounded and
 * event-driven; the only timed waits are the outages themselves.
 *
 * Instances of one deployment share the database, Redis and a Redis prefix;
 * everything in this file is one deployment. The figures quoted in
 * docs/delivery.md are printed as `delivery-faults:` lines.
 */

const last = <T>(items: readonly T[]): T | undefined => items[items.length - 1];

describe('delivery under faults (private Redis and MariaDB)', () => {
  const servers = usePrivateServers();
  /** One deployment: every instance in this file shares database, Redis and prefix. */
  const prefix = `${unique('herald-faults')}:`;
  const deployment = () => ({ DATABASE_URL: servers.mariadb.url, REDIS_URL: servers.redis.url, REDIS_PREFIX: prefix });
  /** The stored notification ids of `users` (targeted rows only), by user, in id order. */
  const readStored = (users: readonly string[]) => storedIds(servers.mariadb.url, users);

  describe('with two in-process instances', () => {
    // Booted one at a time, in this order: the first applies the migrations to the fresh database.
    const a = useHerald(deployment);
    const b = useHerald(deployment);

    it('delivers everything POSTed during a 10 s Redis outage to every open socket once and in id order, and to a socket resuming with since', async () => {
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 20 }, (_, i) => unique(`outage${i}`));
      const instances = [a, b];
      // One open socket per user, half on each instance; user 0 also has a second device that goes offline.
      const live = await inParallel(users.length, 5, (i) => instances[i % 2].connect(users[i]));
      const arrivals = live.map(arrivalsOf);
      const offline = await a.connect(users[0]);

      const warmUp = await postMarker(a.app.baseUrl, service, users, 'outage.warm-up', [...live, offline]);
      const offlineSince = last(notificationIds(offline))!;
      await offline.close();

      await servers.redis.stop();
      const stoppedAt = performance.now();
      expect(await readinessStatus(a.app.baseUrl)).toBe(503);

      // 1,000 single-recipient POSTs, 50 per user, 8 in flight, alternating instances: none waits on Redis.
      const perUser = 50;
      const posts = await inParallel(users.length * perUser, 8, (i) =>
        postNotifications(instances[i % 2].app.baseUrl, service, [users[i % users.length]], `outage.${i}`),
      );
      const postsDoneAt = performance.now();
      expect(posts.filter((post) => post.status !== 201)).toEqual([]);
      expect(await readinessStatus(b.app.baseUrl)).toBe(503);
      const expected = users.map((_, u) => [warmUp.ids[u], ...posts.filter((_, i) => i % users.length === u).flatMap((post) => post.ids)].sort(byId));

      // The scenario is "Redis stays down for 10 s".
      await untilElapsed(stoppedAt, 10_000);
      expect(live.map((client) => notificationIds(client).length)).toEqual(users.map(() => 1));

      const restartAt = performance.now();
      await servers.redis.start();
      const redisUpAt = performance.now();
      // The offline device comes back while the instances are still catching up.
      const resumed = await b.connect(users[0], { since: offlineSince });

      const offlineExpected = expected[0].filter((id) => byId(id, offlineSince) > 0);
      await allDelivered(
        [
          ...live.map((client, u) => ({ label: `user ${u} on ${u % 2 ? 'B' : 'A'}`, ids: () => notificationIds(client), expected: () => expected[u], client })),
          { label: 'user 0 resumed on B', ids: () => notificationIds(resumed), expected: () => offlineExpected, client: resumed },
        ],
        40_000,
      );
      const lastDelivery = Math.max(...arrivals.flatMap((arrival, u) => expected[u].map((id) => arrival.get(id) ?? Infinity)));

      // A sentinel after everything: the relay publishes in id order, so a late repeat would arrive before it.
      const sentinel = await postMarker(b.app.baseUrl, service, users, 'outage.sentinel', [...live, resumed]);

      live.forEach((client, u) =>
        expect({ user: u, ...deliveryFaults(notificationIds(client), [...expected[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }),
      );
      expect(deliveryFaults(notificationIds(resumed), [...offlineExpected, sentinel.ids[0]])).toEqual(NO_FAULTS);

      const latencies = posts.map((post) => post.ms);
      reportFigures('redis-outage', {
        sockets: live.length,
        posts: posts.length,
        postsDuringOutageMs: Math.round(postsDoneAt - stoppedAt),
        postLatencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: percentile(latencies, 1) },
        redisDownMs: Math.round(restartAt - stoppedAt),
        redisStartMs: Math.round(redisUpAt - restartAt),
        lastDeliveryAfterRestartMs: Math.round(lastDelivery - restartAt),
        lastDeliveryAfterRedisAnsweredMs: Math.round(lastDelivery - redisUpAt),
      });
    }, 90_000);

    it("recovers, from the database, the frames published while Redis kept dropping the instances' subscriber connections", async () => {
      const service = serviceToken(unique('svc'));
      // 20 sockets per instance: more than an instance catches up at once, so catch-ups overlap the next drop.
      const users = Array.from({ length: 40 }, (_, i) => unique(`flap${i}`));
      const instances = [a, b];
      const live = await inParallel(users.length, 5, (i) => instances[i % 2].connect(users[i]));
      const warmUp = await postMarker(a.app.baseUrl, service, users, 'flap.warm-up', live);

      // The publishers stay connected, so the relay counts these as published: only the catch-up
      // after each resubscribe can bring back what a dropped subscriber missed.
      const admin = new RedisAdmin(servers.redis.url);
      let posting = true;
      let kills = 0;
      try {
        const flapping = (async () => {
          while (posting) {
            kills += await admin.dropSubscribers();
            // The rate of the fault, not a synchronisation.
            await new Promise((resolve) => setTimeout(resolve, 40));
          }
        })();
        const posts = await inParallel(400, 4, (i) => postNotifications(instances[i % 2].app.baseUrl, service, [users[i % users.length]], `flap.${i}`)).finally(
          () => {
            posting = false;
          },
        );
        await flapping;
        expect(posts.filter((post) => post.status !== 201)).toEqual([]);
        expect(kills).toBeGreaterThan(10);
        const expected = users.map((_, u) => [warmUp.ids[u], ...posts.filter((_, i) => i % users.length === u).flatMap((post) => post.ids)].sort(byId));

        await allDelivered(
          live.map((client, u) => ({ label: `user ${u} on ${u % 2 ? 'B' : 'A'}`, ids: () => notificationIds(client), expected: () => expected[u], client })),
          20_000,
        );
        const sentinel = await postMarker(b.app.baseUrl, service, users, 'flap.sentinel', live);
        live.forEach((client, u) =>
          expect({ user: u, ...deliveryFaults(notificationIds(client), [...expected[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }),
        );
        reportFigures('subscriber-flapping', {
          subscriberKills: kills,
          posts: posts.length,
          unsolicitedResumed: live.reduce((sum, client) => sum + client.all('resumed').length, 0),
        });
      } finally {
        posting = false;
        admin.close();
      }
    }, 60_000);

    it('catches up every socket after a second subscriber drop that lands while the first catch-up is still going', async () => {
      const service = serviceToken(unique('svc'));
      // More sockets than an instance catches up at once, so some are still waiting for their turn.
      const users = Array.from({ length: 10 }, (_, i) => unique(`twice${i}`));
      const live = await inParallel(users.length, 5, (i) => a.connect(users[i]));
      const warmUp = await postMarker(a.app.baseUrl, service, users, 'twice.warm-up', live);

      const admin = new RedisAdmin(servers.redis.url);
      const database = await DeliveryDatabase.open(servers.mariadb.url);
      try {
        // The locked table stalls the first catch-up's reads.
        await database.lockNotifications();
        expect(await admin.dropSubscribers()).toBeGreaterThanOrEqual(1);
        await expectEventually(async () => expect(await database.waitingReplays()).toBeGreaterThanOrEqual(8), 10_000, 20);

        // Second drop, and the subscriber stays out: Redis refuses new connections.
        await admin.refuseNewClients();
        expect(await admin.dropSubscribers()).toBeGreaterThanOrEqual(1);
        await database.unlockNotifications();
        // The stalled replays of the first catch-up finish while the subscriber is still out.
        const resumedSockets = () => live.filter((client) => client.all('resumed').length > 0).length;
        await expectEventually(() => expect(resumedSockets()).toBeGreaterThanOrEqual(8), 15_000, 20);
        // A service that lets that stale catch-up go on to the sockets still waiting for their turn does so
        // within milliseconds; one that stops it sends them nothing. Either way, a bounded moment suffices.
        await Promise.all(live.map((client) => client.next('resumed', () => true, 2_000).catch(() => undefined)));
        expect(await admin.subscriberCount()).toBe(0);

        // Published while nobody on A listens: only a catch-up after the next resubscribe can deliver these.
        const missed = await postNotifications(a.app.baseUrl, service, users, 'twice.missed');
        expect(missed.status).toBe(201);
        await expectEventually(async () => expect(await database.allPublished(users)).toBe(true), 10_000, 20);
        await admin.acceptNewClients();

        await allDelivered(
          live.map((client, u) => ({ label: `user ${u} on A`, ids: () => notificationIds(client), expected: () => [warmUp.ids[u], missed.ids[u]], client })),
          15_000,
        );
        live.forEach((client, u) =>
          expect({ user: u, ...deliveryFaults(notificationIds(client), [warmUp.ids[u], missed.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }),
        );
      } finally {
        await admin.acceptNewClients().catch(() => undefined);
        admin.close();
        await database.close();
      }
    }, 60_000);

    it('never sends a socket that resumed with since an id at or below it, even when those ids are published again after the resume', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('behind');
      const database = await DeliveryDatabase.open(servers.mariadb.url);
      try {
        const first = await postNotifications(a.app.baseUrl, service, [user], 'behind.1');
        const second = await postNotifications(a.app.baseUrl, service, [user], 'behind.2');
        expect([first.status, second.status]).toEqual([201, 201]);
        // The client has both (from GET /notifications, or from an instance that died) and resumes after the newer.
        const client = await b.connect(user, { since: second.ids[0] });
        expect(await client.next('resumed', () => true, 15_000)).toEqual({ since: second.ids[0], count: 0 });

        // An instance that published both but died before recording it: the sweep publishes them again.
        await expectEventually(async () => expect(await database.allPublished([user])).toBe(true), 10_000, 20);
        await database.forgetPublished(user);
        await expectEventually(async () => expect(await database.allPublished([user])).toBe(true), 15_000, 20);

        const [later] = (await postNotifications(a.app.baseUrl, service, [user], 'behind.3')).ids;
        await client.next('notification', (n) => n.id === later, 15_000);
        expect(notificationIds(client)).toEqual([later]);
      } finally {
        await database.close();
      }
    }, 30_000);

    it('gives a socket that reconnects with since every 50-100 notifications each id once and in order while both instances publish', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('hopper');
      const instances = [a, b];
      const total = 600;
      const segments: Id[][] = [];
      let client = await a.connect(user);
      let posting = true;
      // Three writers per instance: ids commit out of order, which the relay must put back in order.
      const publishing = inParallel(total, 6, (i) => postNotifications(instances[i % 2].app.baseUrl, service, [user], `hop.${i}`)).finally(() => {
        posting = false;
      });

      let received = 0;
      for (let hop = 1; ; hop++) {
        const quota = 50 + Math.floor(Math.random() * 51);
        await expectEventually(
          () => {
            const count = notificationIds(client).length;
            if (count >= quota || (!posting && received + count >= total)) return;
            throw new Error(`socket ${hop} has ${count} of its ${quota} notifications (${received} before it; still posting: ${posting})`);
          },
          30_000,
          10,
        );
        await client.close();
        const segment = notificationIds(client);
        segments.push(segment);
        received += segment.length;
        if (!posting && received >= total) break;
        const since = last(segments.flat())!;
        client = await instances[hop % 2].connect(user, { since });
      }

      const posts = await publishing;
      expect(posts.filter((post) => post.status !== 201)).toEqual([]);
      expect(segments.length).toBeGreaterThanOrEqual(6);
      expect(
        deliveryFaults(
          segments.flat(),
          posts.flatMap((post) => post.ids),
        ),
      ).toEqual(NO_FAULTS);
      reportFigures('reconnecting-client', { notifications: total, reconnects: segments.length - 1 });
    }, 60_000);

    it('answers POSTs with 503 and Retry-After within 3 s while MariaDB is stopped, delivers nothing meanwhile, and stores and delivers again after the restart', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('dbdown');
      const sockets = [await a.connect(user), await b.connect(user)];
      const before = await postNotifications(a.app.baseUrl, service, [user], 'db.before');
      expect(before.status).toBe(201);
      await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === before.ids[0], 15_000)));

      await servers.mariadb.stop();
      const stoppedAt = performance.now();
      const sequential: PostOutcome[] = [];
      for (let i = 0; i < 6; i++) sequential.push(await postNotifications([a, b][i % 2].app.baseUrl, service, [user], `db.down.${i}`));
      const concurrent = await inParallel(16, 8, (i) => postNotifications([a, b][i % 2].app.baseUrl, service, [user], `db.down.c${i}`));
      // The scenario is "MariaDB stays down for 3 s" (the relay's polls fail meanwhile).
      await untilElapsed(stoppedAt, 3_000);
      const late = await postNotifications(a.app.baseUrl, service, [user], 'db.down.late');
      const refused = [...sequential, ...concurrent, late];
      expect(refused.map((post) => post.status)).toEqual(refused.map(() => 503));
      expect(refused.map((post) => post.retryAfter)).toEqual(refused.map(() => expect.stringMatching(/^[1-9]\d*$/)));
      expect(Math.max(...refused.map((post) => post.ms))).toBeLessThan(3_000);
      expect(await readinessStatus(a.app.baseUrl)).toBe(503);
      const downMs = performance.now() - stoppedAt;
      // Nothing was stored, so nothing may reach a socket while the database is down.
      expect(sockets.map(notificationIds)).toEqual([before.ids, before.ids]);

      await servers.mariadb.start();
      const dbUpAt = performance.now();
      const after = await expectEventually(
        async () => {
          const post = await postNotifications(a.app.baseUrl, service, [user], 'db.after');
          expect(post.status).toBe(201);
          return post;
        },
        20_000,
        200,
      );
      const firstStoredMs = performance.now() - dbUpAt;
      await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === after.ids[0], 15_000)));

      expect((await readStored([user])).get(user)).toEqual([before.ids[0], after.ids[0]]);
      for (const socket of sockets) expect(deliveryFaults(notificationIds(socket), [before.ids[0], after.ids[0]])).toEqual(NO_FAULTS);
      const latencies = refused.map((post) => post.ms);
      reportFigures('mariadb-outage', {
        refusedPosts: refused.length,
        latencyMs: { p50: percentile(latencies, 0.5), max: percentile(latencies, 1) },
        firstSequentialMs: Math.round(sequential[0].ms),
        downMs: Math.round(downMs),
        firstStoredAfterRestartMs: Math.round(firstStoredMs),
      });
    }, 60_000);
  });

  describe('with Herald processes, one SIGKILLed mid fan-out', () => {
    const survivor = useHeraldProcess(deployment);
    /** The victim reaches Redis through this hop, so a test can cut it off (registered first: it must exist when the victim starts). */
    let victimRedis: TcpProxy;
    beforeAll(async () => {
      victimRedis = await TcpProxy.start(servers.redis.url, { raw: true });
    });
    afterAll(() => victimRedis.close());
    // Each test kills its victim, so each gets a fresh one.
    const victim = useHeraldProcess(() => ({ ...deployment(), REDIS_URL: `redis://127.0.0.1:${victimRedis.port}` }), { perTest: true });

    it('delivers every notification the killed instance stored to the sockets on the survivor, and to its own sockets resuming there, once and in order', async () => {
      // A is the victim, B the survivor.
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 50 }, (_, i) => unique(`fanout${i}`));
      // Every user has a socket on each instance.
      const onA = await inParallel(users.length, 10, (i) => victim.connect(users[i]));
      const onB = await inParallel(users.length, 10, (i) => survivor.connect(users[i]));
      const arrivalsOnB = onB.map(arrivalsOf);

      const warmUp = await postMarker(victim.process.baseUrl, service, users, 'fanout.warm-up', [...onA, ...onB]);

      // 40 POSTs of 50 recipients (2,000 notifications) to A, 3 in flight; A is SIGKILLed once 15 were acknowledged.
      const batches = 40;
      const killAfter = 15;
      let acknowledged = 0;
      let killedAt = 0;
      const posts = await inParallel(batches, 3, async (i) => {
        const post = await postNotifications(victim.process.baseUrl, service, users, `fanout.${i}`);
        if (post.status === 201 && ++acknowledged === killAfter) {
          victim.process.kill('SIGKILL');
          killedAt = performance.now();
        }
        return post;
      });
      expect(await within(victim.process.exited, 10_000, 'instance A exiting after SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
      const accepted = posts.filter((post) => post.status === 201);
      expect(accepted.length).toBeGreaterThanOrEqual(killAfter);
      expect(accepted.length).toBeLessThan(batches);
      expect(posts.filter((post) => post.status !== 201 && post.status !== 0)).toEqual([]);

      // A's sockets lose their server; each resumes on B from the last id it saw.
      await within(Promise.all(onA.map((client) => client.closed)), 10_000, "A's sockets closing");
      const resumedOnB = await inParallel(users.length, 10, (i) => survivor.connect(users[i], { since: last(notificationIds(onA[i]))! }));

      // The stored rows are the truth: everything A acknowledged, plus whatever it committed without answering.
      let stored = new Map<string, Id[]>();
      const storedOf = (u: number): Id[] => stored.get(users[u]) ?? [];
      await allDelivered(
        [
          ...onB.map((client, u) => ({ label: `user ${u} on B`, ids: () => notificationIds(client), expected: () => storedOf(u), client })),
          ...resumedOnB.map((client, u) => ({
            label: `user ${u} from A`,
            ids: () => [...notificationIds(onA[u]), ...notificationIds(client)],
            expected: () => storedOf(u),
            client,
          })),
        ],
        40_000,
        async () => {
          stored = await readStored(users);
        },
        () => `\nsurvivor output:\n${survivor.process.output()}`,
      );
      const lastOnB = Math.max(...arrivalsOnB.flatMap((arrival, u) => stored.get(users[u])!.map((id) => arrival.get(id) ?? Infinity)));

      // A sentinel from B: anything repeated late would arrive before it.
      const sentinel = await postMarker(survivor.process.baseUrl, service, users, 'fanout.sentinel', [...onB, ...resumedOnB]);

      const storedCount = [...stored.values()].reduce((sum, ids) => sum + ids.length, 0);
      users.forEach((user, u) => {
        const ids = stored.get(user)!;
        const acked = accepted.map((post) => post.ids[u]);
        expect(ids).toEqual(expect.arrayContaining([warmUp.ids[u], ...acked]));
        const withSentinel = [...ids, sentinel.ids[u]];
        expect({ user: u, onB: deliveryFaults(notificationIds(onB[u]), withSentinel) }).toEqual({ user: u, onB: NO_FAULTS });
        expect({ user: u, fromA: deliveryFaults([...notificationIds(onA[u]), ...notificationIds(resumedOnB[u])], withSentinel) }).toEqual({
          user: u,
          fromA: NO_FAULTS,
        });
      });
      reportFigures('instance-killed', {
        sockets: onA.length + onB.length,
        batchesAcknowledged: accepted.length,
        batchesFailed: batches - accepted.length,
        notificationsStored: storedCount - users.length,
        notificationsAcknowledged: accepted.length * users.length,
        lastDeliveryOnBAfterKillMs: Math.round(lastOnB - killedAt),
      });
    }, 90_000);

    it('relays, from the survivor, what a killed instance stored and acknowledged but had not published yet, to its sockets and to resuming ones', async () => {
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 30 }, (_, i) => unique(`backlog${i}`));
      const onVictim = await inParallel(users.length, 10, (i) => victim.connect(users[i]));
      const onSurvivor = await inParallel(users.length, 10, (i) => survivor.connect(users[i]));
      const arrivals = onSurvivor.map(arrivalsOf);
      const warmUp = await postMarker(victim.process.baseUrl, service, users, 'backlog.warm-up', [...onVictim, ...onSurvivor]);

      // Cutting the victim off Redis: what it stores now is acknowledged but never published (its publishes fail) when it dies.
      let killedAt: number;
      try {
        victimRedis.refuse = true;
        victimRedis.drop();
        const posts = await inParallel(10, 3, (i) => postNotifications(victim.process.baseUrl, service, users, `backlog.${i}`));
        expect(posts.filter((post) => post.status !== 201)).toEqual([]);

        victim.process.kill('SIGKILL');
        killedAt = performance.now();
        expect(await within(victim.process.exited, 10_000, 'the victim exiting after SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
        await within(Promise.all(onVictim.map((client) => client.closed)), 10_000, "the victim's sockets closing");
        // They resume on the survivor from the warm-up.
        const resumed = await inParallel(users.length, 10, (i) => survivor.connect(users[i], { since: warmUp.ids[i] }));

        const expected = users.map((_, u) => [warmUp.ids[u], ...posts.map((post) => post.ids[u])].sort(byId));
        // The survivor's publish sweep finds the victim's streams pending and publishes them.
        await allDelivered(
          [
            ...onSurvivor.map((client, u) => ({ label: `user ${u} on the survivor`, ids: () => notificationIds(client), expected: () => expected[u], client })),
            ...resumed.map((client, u) => ({
              label: `user ${u} from the victim`,
              ids: () => [...notificationIds(onVictim[u]), ...notificationIds(client)],
              expected: () => expected[u],
              client,
            })),
          ],
          30_000,
          undefined,
          () => `\nsurvivor output:\n${survivor.process.output()}`,
        );
        const lastOnSurvivor = Math.max(...arrivals.flatMap((arrival, u) => expected[u].map((id) => arrival.get(id) ?? Infinity)));

        const sentinel = await postMarker(survivor.process.baseUrl, service, users, 'backlog.sentinel', [...onSurvivor, ...resumed]);

        const stored = await readStored(users);
        users.forEach((user, u) => {
          const all = [...expected[u], sentinel.ids[u]];
          expect(stored.get(user)).toEqual(all);
          expect({ user: u, onSurvivor: deliveryFaults(notificationIds(onSurvivor[u]), all) }).toEqual({ user: u, onSurvivor: NO_FAULTS });
          expect({ user: u, fromVictim: deliveryFaults([...notificationIds(onVictim[u]), ...notificationIds(resumed[u])], all) }).toEqual({
            user: u,
            fromVictim: NO_FAULTS,
          });
        });
        reportFigures('instance-killed-with-backlog', {
          sockets: onVictim.length + onSurvivor.length,
          backlog: posts.length * users.length,
          lastDeliveryOnSurvivorAfterKillMs: Math.round(lastOnSurvivor - killedAt),
        });
      } finally {
        victimRedis.refuse = false;
      }
    }, 90_000);
  });
});
