import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { createTestApp, TestApp } from '../support/create-test-app';
import { expectEventually } from '../support/expect-eventually';
import { HeraldProcess, startHeraldProcess } from '../support/herald-process';
import { PrivateMariaDb, startPrivateMariaDb } from '../support/private-mariadb';
import { PrivateRedis, startPrivateRedis } from '../support/private-redis';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { within } from '../support/within';
import { TestClient } from '../support/ws-client';

/**
 * The delivery guarantees under faults (docs/delivery.md): a Redis outage,
 * a subscriber connection that Redis keeps dropping, a relay that is behind
 * when a client resumes, concurrent publishers with a client that keeps
 * reconnecting, a MariaDB outage, and an instance SIGKILLed mid fan-out.
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

/** An id a POST returned or a socket received. */
type Id = string;

const byId = (a: Id, b: Id): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
const notificationIds = (client: TestClient): Id[] => client.all('notification').map((n: { id: Id }) => n.id);
const last = <T>(items: readonly T[]): T | undefined => items[items.length - 1];
/** Throws: a fixture that a failed hook left unset. */
const missing = (what: string): never => {
  throw new Error(what);
};

/** What went wrong with one socket's delivery; `NO_FAULTS` when nothing did. Lists are cut to their first 10. */
interface DeliveryFaults {
  missing: { count: number; first: Id[] };
  unexpected: { count: number; first: Id[] };
  repeated: { count: number; first: Id[] };
  /** Ids that arrived after an id at least as large. */
  outOfOrder: { count: number; first: Id[] };
}
const NO_FAULTS: DeliveryFaults = {
  missing: { count: 0, first: [] },
  unexpected: { count: 0, first: [] },
  repeated: { count: 0, first: [] },
  outOfOrder: { count: 0, first: [] },
};

/** Compares the ids a socket received, in arrival order, with the ids it should have had. */
function deliveryFaults(received: readonly Id[], expected: readonly Id[]): DeliveryFaults {
  const want = new Set(expected);
  const seen = new Map<Id, number>();
  for (const id of received) seen.set(id, (seen.get(id) ?? 0) + 1);
  const list = (ids: Id[]) => ({ count: ids.length, first: ids.slice(0, 10) });
  return {
    missing: list([...want].filter((id) => !seen.has(id)).sort(byId)),
    unexpected: list([...seen.keys()].filter((id) => !want.has(id))),
    repeated: list([...seen].filter(([, count]) => count > 1).map(([id]) => id)),
    outOfOrder: list(received.filter((id, i) => i > 0 && byId(received[i - 1], id) >= 0)),
  };
}

/** One socket (or a socket and the one that resumed it) whose notifications a test waits for. */
interface Watched {
  /** Names it in a failure, e.g. `user 3 on A`. */
  label: string;
  /** The notification ids it received so far, in arrival order. */
  ids: () => Id[];
  /** The ids it must end with. */
  expected: () => readonly Id[];
  /** The socket whose recent frames a failure shows. */
  client: TestClient;
}

/**
 * Waits until every watched socket has received at least as many ids as it
 * expects (a repeat then shows in the exact check that follows). On timeout
 * the error names the sockets that fell short, their missing ids and last
 * frames. `refresh` runs before each check (e.g. to re-read stored rows).
 */
async function allDelivered(watched: readonly Watched[], timeoutMs: number, refresh?: () => Promise<void>, context = (): string => ''): Promise<void> {
  try {
    await expectEventually(
      async () => {
        await refresh?.();
        const behind = watched.filter((w) => w.ids().length < w.expected().length).length;
        if (behind > 0) throw new Error(`${behind} sockets still short`);
      },
      timeoutMs,
      50,
    );
  } catch {
    const short = watched
      .filter((w) => w.ids().length < w.expected().length)
      .map((w) => {
        const recent = w.client.frames.slice(-4).map((f) => (f.event === 'notification' ? (f.data as { id: Id }).id : `${f.event} ${JSON.stringify(f.data)}`));
        return `${w.label}: ${w.ids().length} of ${w.expected().length}; missing ${JSON.stringify(deliveryFaults(w.ids(), w.expected()).missing.first)}; last frames ${JSON.stringify(recent)}`;
      });
    throw new Error(`${short.length} sockets lacked notifications after ${timeoutMs} ms:\n${short.slice(0, 12).join('\n')}${context()}`);
  }
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; results in index order. */
async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Milliseconds, rounded, at the given fraction (0..1) of sorted values. */
function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]);
}

/** The outcome of one `POST /notifications`; status 0 when no HTTP answer came (connection refused or reset). */
interface PostOutcome {
  status: number;
  ids: Id[];
  retryAfter: string | null;
  /** Wall time of the request, ms. */
  ms: number;
  error?: string;
}

async function postNotifications(baseUrl: string, token: string, recipients: readonly string[], type: string): Promise<PostOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipients, type }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json().catch(() => null)) as { ids?: Id[] } | null;
    return { status: response.status, ids: response.status === 201 ? (body?.ids ?? []) : [], retryAfter: response.headers.get('retry-after'), ms: performance.now() - started };
  } catch (error) {
    return { status: 0, ids: [], retryAfter: null, ms: performance.now() - started, error: String((error as Error).cause ?? error) };
  }
}

async function readinessStatus(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

/** Records when each notification id first reached the socket (`performance.now()`). */
function arrivalsOf(client: TestClient): Map<Id, number> {
  const arrivals = new Map<Id, number>();
  client.socket.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString('utf8')) as { event: string; data: { id?: Id } };
    if (frame.event === 'notification' && frame.data.id !== undefined && !arrivals.has(frame.data.id)) arrivals.set(frame.data.id, performance.now());
  });
  return arrivals;
}

/** Prints one measured figure set for docs/delivery.md. */
function report(scenario: string, figures: Record<string, unknown>): void {
  console.log(`delivery-faults: ${scenario} ${JSON.stringify(figures)}`);
}

describe('delivery under faults (private Redis and MariaDB)', () => {
  let redis: PrivateRedis | undefined;
  let mariadb: PrivateMariaDb | undefined;
  /** One deployment: every instance in this file shares database, Redis and prefix. */
  const prefix = `${unique('herald-faults')}:`;
  const clients: TestClient[] = [];

  const privateRedis = (): PrivateRedis => redis ?? missing('private Redis did not start');
  const privateDb = (): PrivateMariaDb => mariadb ?? missing('private MariaDB did not start');
  /** Opens a socket for `sub` (resuming after `since` when given) and waits for `ready`; closed after the test. */
  const open = async (wsUrl: string, sub: string, since?: Id): Promise<TestClient> => {
    const client = await TestClient.connect(wsUrl, { token: userToken(sub), since });
    clients.push(client);
    return client;
  };
  /** The stored notification ids of `users` (targeted rows only), by user, in id order. */
  const storedIds = async (users: readonly string[]): Promise<Map<string, Id[]>> => {
    const connection = await createConnection({ uri: privateDb().url, supportBigNumbers: true, bigNumberStrings: true });
    try {
      const [rows] = (await connection.query('SELECT id, recipient FROM notifications WHERE recipient IN (?) ORDER BY id', [users])) as unknown as [
        Array<{ id: string | number; recipient: string }>,
      ];
      const byUser = new Map<string, Id[]>(users.map((user) => [user, []]));
      for (const row of rows) byUser.get(row.recipient)?.push(String(row.id));
      return byUser;
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    [redis, mariadb] = await Promise.all([startPrivateRedis(), startPrivateMariaDb()]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => within(client.close(), 5_000, 'closing a test socket').catch(() => client.socket.terminate())));
  });
  afterAll(async () => {
    await Promise.all([redis?.dispose(), mariadb?.dispose()]);
  }, 40_000);

  describe('with two in-process instances', () => {
    let a: TestApp | undefined;
    let b: TestApp | undefined;
    const instanceA = (): TestApp => a ?? missing('instance A did not start');
    const instanceB = (): TestApp => b ?? missing('instance B did not start');

    beforeAll(async () => {
      const env = { DATABASE_URL: privateDb().url, REDIS_URL: privateRedis().url, REDIS_PREFIX: prefix };
      // One at a time: the first applies the migrations to the fresh database.
      a = await createTestApp(env);
      b = await createTestApp(env);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    }, 30_000);

    it('delivers everything POSTed during a 10 s Redis outage to every open socket once and in id order, and to a socket resuming with since', async () => {
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 20 }, (_, i) => unique(`outage${i}`));
      const instances = [instanceA(), instanceB()];
      // One open socket per user, half on each instance; user 0 also has a second device that goes offline.
      const live = await inParallel(users.length, 5, (i) => open(instances[i % 2].wsUrl, users[i]));
      const arrivals = live.map(arrivalsOf);
      const offline = await open(instanceA().wsUrl, users[0]);

      const warmUp = await postNotifications(instanceA().baseUrl, service, users, 'outage.warm-up');
      expect(warmUp.status).toBe(201);
      await Promise.all([...live.map((client, i) => client.next('notification', (n) => n.id === warmUp.ids[i], 15_000)), offline.next('notification', (n) => n.id === warmUp.ids[0], 15_000)]);
      const offlineSince = last(notificationIds(offline))!;
      await offline.close();

      await privateRedis().stop();
      const stoppedAt = performance.now();
      expect(await readinessStatus(instanceA().baseUrl)).toBe(503);

      // 1,000 single-recipient POSTs, 50 per user, 8 in flight, alternating instances: none waits on Redis.
      const perUser = 50;
      const posts = await inParallel(users.length * perUser, 8, (i) => postNotifications(instances[i % 2].baseUrl, service, [users[i % users.length]], `outage.${i}`));
      const postsDoneAt = performance.now();
      expect(posts.filter((post) => post.status !== 201)).toEqual([]);
      expect(await readinessStatus(instanceB().baseUrl)).toBe(503);
      const expected = users.map((_, u) => [warmUp.ids[u], ...posts.filter((_, i) => i % users.length === u).flatMap((post) => post.ids)].sort(byId));

      // The scenario is "Redis stays down for 10 s": a bounded wait, not a synchronisation.
      const remaining = 10_000 - (performance.now() - stoppedAt);
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
      expect(live.map((client) => notificationIds(client).length)).toEqual(users.map(() => 1));

      const restartAt = performance.now();
      await privateRedis().start();
      const redisUpAt = performance.now();
      // The offline device comes back while the instances are still catching up.
      const resumed = await open(instanceB().wsUrl, users[0], offlineSince);

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
      const sentinel = await postNotifications(instanceB().baseUrl, service, users, 'outage.sentinel');
      expect(sentinel.status).toBe(201);
      await Promise.all(live.map((client, u) => client.next('notification', (n) => n.id === sentinel.ids[u], 15_000)));
      await resumed.next('notification', (n) => n.id === sentinel.ids[0], 15_000);

      live.forEach((client, u) => expect({ user: u, ...deliveryFaults(notificationIds(client), [...expected[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }));
      expect(deliveryFaults(notificationIds(resumed), [...offlineExpected, sentinel.ids[0]])).toEqual(NO_FAULTS);

      const latencies = posts.map((post) => post.ms);
      report('redis-outage', {
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

    it('recovers, from the database, the frames published while Redis kept dropping the instances\' subscriber connections', async () => {
      const service = serviceToken(unique('svc'));
      // 20 sockets per instance: more than an instance catches up at once, so catch-ups overlap the next drop.
      const users = Array.from({ length: 40 }, (_, i) => unique(`flap${i}`));
      const instances = [instanceA(), instanceB()];
      const live = await inParallel(users.length, 5, (i) => open(instances[i % 2].wsUrl, users[i]));
      const warmUp = await postNotifications(instanceA().baseUrl, service, users, 'flap.warm-up');
      expect(warmUp.status).toBe(201);
      await Promise.all(live.map((client, u) => client.next('notification', (n) => n.id === warmUp.ids[u], 15_000)));

      // The publishers stay connected, so the relay counts these as published: only the catch-up
      // after each resubscribe can bring back what a dropped subscriber missed.
      const admin = new Redis(privateRedis().url, { maxRetriesPerRequest: 1 });
      let posting = true;
      let kills = 0;
      try {
        const flapping = (async () => {
          while (posting) {
            kills += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
            // The rate of the fault, not a synchronisation.
            await new Promise((resolve) => setTimeout(resolve, 40));
          }
        })();
        const posts = await inParallel(400, 4, (i) => postNotifications(instances[i % 2].baseUrl, service, [users[i % users.length]], `flap.${i}`)).finally(() => {
          posting = false;
        });
        await flapping;
        expect(posts.filter((post) => post.status !== 201)).toEqual([]);
        expect(kills).toBeGreaterThan(10);
        const expected = users.map((_, u) => [warmUp.ids[u], ...posts.filter((_, i) => i % users.length === u).flatMap((post) => post.ids)].sort(byId));

        await allDelivered(
          live.map((client, u) => ({ label: `user ${u} on ${u % 2 ? 'B' : 'A'}`, ids: () => notificationIds(client), expected: () => expected[u], client })),
          20_000,
        );
        const sentinel = await postNotifications(instanceB().baseUrl, service, users, 'flap.sentinel');
        expect(sentinel.status).toBe(201);
        await Promise.all(live.map((client, u) => client.next('notification', (n) => n.id === sentinel.ids[u], 15_000)));
        live.forEach((client, u) => expect({ user: u, ...deliveryFaults(notificationIds(client), [...expected[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }));
        report('subscriber-flapping', { subscriberKills: kills, posts: posts.length, unsolicitedResumed: live.reduce((sum, client) => sum + client.all('resumed').length, 0) });
      } finally {
        posting = false;
        admin.disconnect();
      }
    }, 60_000);

    it('catches up every socket after a second subscriber drop that lands while the first catch-up is still going', async () => {
      const service = serviceToken(unique('svc'));
      // More sockets than an instance catches up at once, so some are still waiting for their turn.
      const users = Array.from({ length: 10 }, (_, i) => unique(`twice${i}`));
      const live = await inParallel(users.length, 5, (i) => open(instanceA().wsUrl, users[i]));
      const warmUp = await postNotifications(instanceA().baseUrl, service, users, 'twice.warm-up');
      expect(warmUp.status).toBe(201);
      await Promise.all(live.map((client, u) => client.next('notification', (n) => n.id === warmUp.ids[u], 15_000)));

      const admin = new Redis(privateRedis().url, { maxRetriesPerRequest: 1 });
      const holder = await createConnection(privateDb().url);
      const pubsubClients = async () => String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((line) => line.trim() !== '').length;
      const waitingCatchUpReads = async () => {
        const [rows] = (await holder.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT position FROM outbox_cursors%LOCK IN SHARE MODE'",
        )) as unknown as [Array<{ n: number | string }>];
        return Number(rows[0].n);
      };
      try {
        // The held cursor row stalls the first catch-up's reads of the relay position.
        await holder.query('BEGIN');
        await holder.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications' FOR UPDATE");
        expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
        await expectEventually(async () => expect(await waitingCatchUpReads()).toBeGreaterThanOrEqual(8), 10_000, 20);

        // Second drop, and the subscriber stays out: Redis refuses new connections.
        await admin.call('CONFIG', 'SET', 'maxclients', '1');
        expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBeGreaterThanOrEqual(1);
        await holder.query('COMMIT');
        // The stalled replays of the first catch-up finish while the subscriber is still out.
        const resumedSockets = () => live.filter((client) => client.all('resumed').length > 0).length;
        await expectEventually(() => expect(resumedSockets()).toBeGreaterThanOrEqual(8), 15_000, 20);
        // A service that lets that stale catch-up go on to the sockets still waiting for their turn does so
        // within milliseconds; one that stops it sends them nothing. Either way, a bounded moment suffices.
        await Promise.all(live.map((client) => client.next('resumed', () => true, 2_000).catch(() => undefined)));
        expect(await pubsubClients()).toBe(0);

        // Published while nobody on A listens: only a catch-up after the next resubscribe can deliver these.
        const missed = await postNotifications(instanceA().baseUrl, service, users, 'twice.missed');
        expect(missed.status).toBe(201);
        await expectEventually(async () => {
          const [rows] = (await holder.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications'")) as unknown as [Array<{ position: string | number }>];
          expect(byId(String(rows[0].position), last(missed.ids)!)).toBeGreaterThanOrEqual(0);
        }, 10_000, 20);
        await admin.call('CONFIG', 'SET', 'maxclients', '10000');

        await allDelivered(
          live.map((client, u) => ({ label: `user ${u} on A`, ids: () => notificationIds(client), expected: () => [warmUp.ids[u], missed.ids[u]], client })),
          15_000,
        );
        live.forEach((client, u) => expect({ user: u, ...deliveryFaults(notificationIds(client), [warmUp.ids[u], missed.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS }));
      } finally {
        await admin.call('CONFIG', 'SET', 'maxclients', '10000').catch(() => undefined);
        admin.disconnect();
        await holder.end();
      }
    }, 60_000);

    it('never sends a socket that resumed with since an id at or below it, even when the relay publishes those ids after the resume', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('behind');
      // Holding the stream's cursor row stands in for a relay that is behind, or that died after publishing a
      // batch but before moving the cursor (the survivor then publishes the batch again).
      const holder = await createConnection(privateDb().url);
      try {
        await holder.query('BEGIN');
        await holder.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications' FOR UPDATE");
        const first = await postNotifications(instanceA().baseUrl, service, [user], 'behind.1');
        const second = await postNotifications(instanceA().baseUrl, service, [user], 'behind.2');
        expect([first.status, second.status]).toEqual([201, 201]);
        // The client has both (from GET /notifications, or from the instance that died) and resumes after the newer.
        const client = await open(instanceB().wsUrl, user, second.ids[0]);
        await holder.query('COMMIT');

        expect(await client.next('resumed', () => true, 15_000)).toEqual({ since: second.ids[0], count: 0 });
        const [later] = (await postNotifications(instanceA().baseUrl, service, [user], 'behind.3')).ids;
        await client.next('notification', (n) => n.id === later, 15_000);
        expect(notificationIds(client)).toEqual([later]);
      } finally {
        await holder.end();
      }
    }, 30_000);

    it('gives a socket that reconnects with since every 50-100 notifications each id once and in order while both instances publish', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('hopper');
      const instances = [instanceA(), instanceB()];
      const total = 600;
      const segments: Id[][] = [];
      let client = await open(instanceA().wsUrl, user);
      let posting = true;
      // Three writers per instance: ids commit out of order, which the relay must put back in order.
      const publishing = inParallel(total, 6, (i) => postNotifications(instances[i % 2].baseUrl, service, [user], `hop.${i}`)).finally(() => {
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
        client = await open(instances[hop % 2].wsUrl, user, since);
      }

      const posts = await publishing;
      expect(posts.filter((post) => post.status !== 201)).toEqual([]);
      expect(segments.length).toBeGreaterThanOrEqual(6);
      expect(deliveryFaults(segments.flat(), posts.flatMap((post) => post.ids))).toEqual(NO_FAULTS);
      report('reconnecting-client', { notifications: total, reconnects: segments.length - 1 });
    }, 60_000);

    it('answers POSTs with 503 and Retry-After within 3 s while MariaDB is stopped, delivers nothing meanwhile, and stores and delivers again after the restart', async () => {
      const service = serviceToken(unique('svc'));
      const user = unique('dbdown');
      const sockets = [await open(instanceA().wsUrl, user), await open(instanceB().wsUrl, user)];
      const before = await postNotifications(instanceA().baseUrl, service, [user], 'db.before');
      expect(before.status).toBe(201);
      await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === before.ids[0], 15_000)));

      await privateDb().stop();
      const stoppedAt = performance.now();
      const sequential: PostOutcome[] = [];
      for (let i = 0; i < 6; i++) sequential.push(await postNotifications([instanceA(), instanceB()][i % 2].baseUrl, service, [user], `db.down.${i}`));
      const concurrent = await inParallel(16, 8, (i) => postNotifications([instanceA(), instanceB()][i % 2].baseUrl, service, [user], `db.down.c${i}`));
      // The scenario is "MariaDB stays down for 3 s" (the relay's polls fail meanwhile): a bounded wait, not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3_000 - (performance.now() - stoppedAt))));
      const late = await postNotifications(instanceA().baseUrl, service, [user], 'db.down.late');
      const refused = [...sequential, ...concurrent, late];
      expect(refused.map((post) => post.status)).toEqual(refused.map(() => 503));
      expect(refused.map((post) => post.retryAfter)).toEqual(refused.map(() => expect.stringMatching(/^[1-9]\d*$/)));
      expect(Math.max(...refused.map((post) => post.ms))).toBeLessThan(3_000);
      expect(await readinessStatus(instanceA().baseUrl)).toBe(503);
      const downMs = performance.now() - stoppedAt;
      // Nothing was stored, so nothing may reach a socket while the database is down.
      expect(sockets.map(notificationIds)).toEqual([before.ids, before.ids]);

      await privateDb().start();
      const dbUpAt = performance.now();
      const after = await expectEventually(
        async () => {
          const post = await postNotifications(instanceA().baseUrl, service, [user], 'db.after');
          expect(post.status).toBe(201);
          return post;
        },
        20_000,
        200,
      );
      const firstStoredMs = performance.now() - dbUpAt;
      await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === after.ids[0], 15_000)));

      expect((await storedIds([user])).get(user)).toEqual([before.ids[0], after.ids[0]]);
      for (const socket of sockets) expect(deliveryFaults(notificationIds(socket), [before.ids[0], after.ids[0]])).toEqual(NO_FAULTS);
      const latencies = refused.map((post) => post.ms);
      report('mariadb-outage', {
        refusedPosts: refused.length,
        latencyMs: { p50: percentile(latencies, 0.5), max: percentile(latencies, 1) },
        firstSequentialMs: Math.round(sequential[0].ms),
        downMs: Math.round(downMs),
        firstStoredAfterRestartMs: Math.round(firstStoredMs),
      });
    }, 60_000);
  });

  describe('with Herald processes, one SIGKILLed mid fan-out', () => {
    let a: HeraldProcess | undefined;
    let b: HeraldProcess | undefined;

    beforeAll(async () => {
      const env = { DATABASE_URL: privateDb().url, REDIS_URL: privateRedis().url, REDIS_PREFIX: prefix };
      [a, b] = await Promise.all([startHeraldProcess(env), startHeraldProcess(env)]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    }, 30_000);

    it('delivers every notification the killed instance stored to the sockets on the survivor, and to its own sockets resuming there, once and in order', async () => {
      const victim = a ?? missing('instance A did not start');
      const survivor = b ?? missing('instance B did not start');
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 50 }, (_, i) => unique(`fanout${i}`));
      // Every user has a socket on each instance.
      const onA = await inParallel(users.length, 10, (i) => open(victim.wsUrl, users[i]));
      const onB = await inParallel(users.length, 10, (i) => open(survivor.wsUrl, users[i]));
      const arrivalsOnB = onB.map(arrivalsOf);

      const warmUp = await postNotifications(victim.baseUrl, service, users, 'fanout.warm-up');
      expect(warmUp.status).toBe(201);
      await Promise.all([...onA, ...onB].map((client, i) => client.next('notification', (n) => n.id === warmUp.ids[i % users.length], 15_000)));

      // 40 POSTs of 50 recipients (2,000 notifications) to A, 3 in flight; A is SIGKILLed once 15 were acknowledged.
      const batches = 40;
      const killAfter = 15;
      let acknowledged = 0;
      let killedAt = 0;
      const posts = await inParallel(batches, 3, async (i) => {
        const post = await postNotifications(victim.baseUrl, service, users, `fanout.${i}`);
        if (post.status === 201 && ++acknowledged === killAfter) {
          victim.kill('SIGKILL');
          killedAt = performance.now();
        }
        return post;
      });
      expect(await within(victim.exited, 10_000, 'instance A exiting after SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
      const accepted = posts.filter((post) => post.status === 201);
      expect(accepted.length).toBeGreaterThanOrEqual(killAfter);
      expect(accepted.length).toBeLessThan(batches);
      expect(posts.filter((post) => post.status !== 201 && post.status !== 0)).toEqual([]);

      // A's sockets lose their server; each resumes on B from the last id it saw.
      await within(Promise.all(onA.map((client) => client.closed)), 10_000, "A's sockets closing");
      const resumedOnB = await inParallel(users.length, 10, (i) => open(survivor.wsUrl, users[i], last(notificationIds(onA[i]))!));

      // The stored rows are the truth: everything A acknowledged, plus whatever it committed without answering.
      let stored = new Map<string, Id[]>();
      const storedOf = (u: number): Id[] => stored.get(users[u]) ?? [];
      await allDelivered(
        [
          ...onB.map((client, u) => ({ label: `user ${u} on B`, ids: () => notificationIds(client), expected: () => storedOf(u), client })),
          ...resumedOnB.map((client, u) => ({ label: `user ${u} from A`, ids: () => [...notificationIds(onA[u]), ...notificationIds(client)], expected: () => storedOf(u), client })),
        ],
        40_000,
        async () => {
          stored = await storedIds(users);
        },
        () => `\nsurvivor output:\n${survivor.output()}`,
      );
      const lastOnB = Math.max(...arrivalsOnB.flatMap((arrival, u) => stored.get(users[u])!.map((id) => arrival.get(id) ?? Infinity)));

      // A sentinel from B: anything repeated late would arrive before it.
      const sentinel = await postNotifications(survivor.baseUrl, service, users, 'fanout.sentinel');
      expect(sentinel.status).toBe(201);
      await Promise.all([...onB, ...resumedOnB].map((client, i) => client.next('notification', (n) => n.id === sentinel.ids[i % users.length], 15_000)));

      const storedCount = [...stored.values()].reduce((sum, ids) => sum + ids.length, 0);
      users.forEach((user, u) => {
        const ids = stored.get(user)!;
        const acked = accepted.map((post) => post.ids[u]);
        expect(ids).toEqual(expect.arrayContaining([warmUp.ids[u], ...acked]));
        const withSentinel = [...ids, sentinel.ids[u]];
        expect({ user: u, onB: deliveryFaults(notificationIds(onB[u]), withSentinel) }).toEqual({ user: u, onB: NO_FAULTS });
        expect({ user: u, fromA: deliveryFaults([...notificationIds(onA[u]), ...notificationIds(resumedOnB[u])], withSentinel) }).toEqual({ user: u, fromA: NO_FAULTS });
      });
      report('instance-killed', {
        sockets: onA.length + onB.length,
        batchesAcknowledged: accepted.length,
        batchesFailed: batches - accepted.length,
        notificationsStored: storedCount - users.length,
        notificationsAcknowledged: accepted.length * users.length,
        lastDeliveryOnBAfterKillMs: Math.round(lastOnB - killedAt),
      });
    }, 90_000);

    it('relays, from the survivor, what a killed instance stored and acknowledged but had not published yet, to its sockets and to resuming ones', async () => {
      const survivor = b ?? missing('instance B did not start');
      const victim = await startHeraldProcess({ DATABASE_URL: privateDb().url, REDIS_URL: privateRedis().url, REDIS_PREFIX: prefix });
      const service = serviceToken(unique('svc'));
      const users = Array.from({ length: 30 }, (_, i) => unique(`backlog${i}`));
      const onVictim = await inParallel(users.length, 10, (i) => open(victim.wsUrl, users[i]));
      const onSurvivor = await inParallel(users.length, 10, (i) => open(survivor.wsUrl, users[i]));
      const arrivals = onSurvivor.map(arrivalsOf);
      const warmUp = await postNotifications(victim.baseUrl, service, users, 'backlog.warm-up');
      expect(warmUp.status).toBe(201);
      await Promise.all([...onVictim, ...onSurvivor].map((client, i) => client.next('notification', (n) => n.id === warmUp.ids[i % users.length], 15_000)));

      // Holding the stream's cursor row stands in for a relay that is behind: every instance finds it busy,
      // so what the victim stores now is acknowledged but not published when it dies.
      const holder = await createConnection(privateDb().url);
      let releasedAt = 0;
      try {
        await holder.query('BEGIN');
        await holder.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications' FOR UPDATE");
        const posts = await inParallel(10, 3, (i) => postNotifications(victim.baseUrl, service, users, `backlog.${i}`));
        expect(posts.filter((post) => post.status !== 201)).toEqual([]);
        expect([...onVictim, ...onSurvivor].map((client) => notificationIds(client).length)).toEqual([...onVictim, ...onSurvivor].map(() => 1));

        victim.kill('SIGKILL');
        expect(await within(victim.exited, 10_000, 'the victim exiting after SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
        await within(Promise.all(onVictim.map((client) => client.closed)), 10_000, "the victim's sockets closing");
        // They resume on the survivor from the warm-up, while the cursor is still held.
        const resumed = await inParallel(users.length, 10, (i) => open(survivor.wsUrl, users[i], warmUp.ids[i]));

        await holder.query('COMMIT');
        releasedAt = performance.now();
        const expected = users.map((_, u) => [warmUp.ids[u], ...posts.map((post) => post.ids[u])].sort(byId));
        await allDelivered(
          [
            ...onSurvivor.map((client, u) => ({ label: `user ${u} on the survivor`, ids: () => notificationIds(client), expected: () => expected[u], client })),
            ...resumed.map((client, u) => ({ label: `user ${u} from the victim`, ids: () => [...notificationIds(onVictim[u]), ...notificationIds(client)], expected: () => expected[u], client })),
          ],
          30_000,
          undefined,
          () => `\nsurvivor output:\n${survivor.output()}`,
        );
        const lastOnSurvivor = Math.max(...arrivals.flatMap((arrival, u) => expected[u].map((id) => arrival.get(id) ?? Infinity)));

        const sentinel = await postNotifications(survivor.baseUrl, service, users, 'backlog.sentinel');
        expect(sentinel.status).toBe(201);
        await Promise.all([...onSurvivor, ...resumed].map((client, i) => client.next('notification', (n) => n.id === sentinel.ids[i % users.length], 15_000)));

        const stored = await storedIds(users);
        users.forEach((user, u) => {
          const all = [...expected[u], sentinel.ids[u]];
          expect(stored.get(user)).toEqual(all);
          expect({ user: u, onSurvivor: deliveryFaults(notificationIds(onSurvivor[u]), all) }).toEqual({ user: u, onSurvivor: NO_FAULTS });
          expect({ user: u, fromVictim: deliveryFaults([...notificationIds(onVictim[u]), ...notificationIds(resumed[u])], all) }).toEqual({ user: u, fromVictim: NO_FAULTS });
        });
        report('instance-killed-with-backlog', {
          sockets: onVictim.length + onSurvivor.length,
          backlog: posts.length * users.length,
          lastDeliveryOnSurvivorAfterReleaseMs: Math.round(lastOnSurvivor - releasedAt),
        });
      } finally {
        await holder.end();
        await victim.stop();
      }
    }, 90_000);
  });
});
