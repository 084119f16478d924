import Redis, { Cluster } from 'ioredis';
import { RedisConfig } from '../../src/config/herald.config';
import { MemoryRoomPresence } from '../../src/rooms/memory-room-presence';
import { RedisRoomPresence } from '../../src/rooms/redis-room-presence';
import { RoomPresence } from '../../src/rooms/room-presence';
import { expectEventually } from '../support/expect-eventually';
import { usePrivateRedisCluster } from '../support/private-redis-cluster';
import { TEST_REDIS_URL, unique } from '../support/test-env';
import { untilElapsed } from '../support/until-elapsed';

/** One behaviour suite for every `RoomPresence` implementation. */
function describeRoomPresenceContract(name: string, create: () => RoomPresence): void {
  describe(name, () => {
    let presence: RoomPresence;
    beforeEach(() => {
      presence = create();
    });
    afterEach(async () => {
      await presence.close();
    });

    it('reports a user joined on their first socket and left on their last', async () => {
      const room = unique('room');
      expect(await presence.add(room, 'alice', 'c1')).toBe(true);
      expect(await presence.add(room, 'alice', 'c2')).toBe(false);
      expect(await presence.remove(room, 'alice', 'c1')).toBe(false);
      expect(await presence.members(room)).toEqual(['alice']);
      expect(await presence.remove(room, 'alice', 'c2')).toBe(true);
      expect(await presence.members(room)).toEqual([]);
    });

    it('lists distinct members sorted, per room', async () => {
      const [room, other] = [unique('room'), unique('other')];
      await presence.add(room, 'bob', 'c1');
      await presence.add(room, 'alice', 'c2');
      await presence.add(room, 'bob', 'c3');
      await presence.add(other, 'carol', 'c4');
      expect(await presence.members(room)).toEqual(['alice', 'bob']);
      expect(await presence.members(other)).toEqual(['carol']);
    });

    it('treats removing an unknown socket as a no-op', async () => {
      const room = unique('room');
      await presence.add(room, 'alice', 'c1');
      expect(await presence.remove(room, 'alice', 'nope')).toBe(false);
      expect(await presence.remove(room, 'bob', 'c1')).toBe(false);
      expect(await presence.members(room)).toEqual(['alice']);
    });
  });
}

/** What only a shared presence does: across instances, expiry, cleanup; on one Redis or a cluster. */
function describeSharedPresence(name: string, connection: () => Omit<RedisConfig, 'prefix'>, raw: () => Redis | Cluster): void {
  describe(`RedisRoomPresence across instances (${name})`, () => {
    const config = (prefix: string): RedisConfig => ({ ...connection(), prefix }) as RedisConfig;
    const prefix = () => `${unique('presence')}:`;

    it("shares members between instances and counts a user's sockets on every instance", async () => {
      const shared = prefix();
      const a = new RedisRoomPresence(config(shared));
      const b = new RedisRoomPresence(config(shared));
      try {
        const room = unique('room');
        expect(await a.add(room, 'alice', 'a1')).toBe(true);
        expect(await b.add(room, 'alice', 'b1')).toBe(false);
        expect(await b.add(room, 'bob', 'b2')).toBe(true);
        expect(await a.members(room)).toEqual(['alice', 'bob']);
        expect(await a.remove(room, 'alice', 'a1')).toBe(false);
        expect(await b.remove(room, 'alice', 'b1')).toBe(true);
        expect(await a.members(room)).toEqual(['bob']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it("drops the members of an instance that dies without saying goodbye once the TTL passes, and keeps a live instance's", async () => {
      const shared = prefix();
      const timing = { ttlMs: 600, heartbeatMs: 150 };
      const dying = new RedisRoomPresence(config(shared), timing);
      const alive = new RedisRoomPresence(config(shared), timing);
      try {
        const room = unique('room');
        await dying.add(room, 'ghost', 'd1');
        await alive.add(room, 'alice', 'l1');
        expect(await alive.members(room)).toEqual(['alice', 'ghost']);

        dying.abandon();

        await expectEventually(async () => expect(await alive.members(room)).toEqual(['alice']), 3_000);
        // The scenario is "four TTLs pass": the live member must survive several renewals.
        await untilElapsed(performance.now(), 4 * timing.ttlMs);
        expect(await alive.members(room)).toEqual(['alice']);
      } finally {
        await alive.close();
      }
    });

    describe('expiry', () => {
      const fast = { ttlMs: 300, heartbeatMs: 100 };
      /** Renews long after anything here: its entries stay, and it prunes only when told to. */
      const slow = { ttlMs: 60_000, heartbeatMs: 30_000 };
      let redis: Redis | Cluster;
      const instances: RedisRoomPresence[] = [];
      const changes: Array<{ on: string; room: string; user: string; state: string }> = [];
      const start = (shared: string, name: string, timing: { ttlMs: number; heartbeatMs: number }) => {
        const presence = new RedisRoomPresence(config(shared), timing);
        presence.onChange((room, user, state) => changes.push({ on: name, room, user, state }));
        instances.push(presence);
        return presence;
      };
      /** Waits, reading Redis without pruning, until `user` has no entry that is still live. */
      const expiredInRedis = (shared: string, room: string, user: string) =>
        expectEventually(async () => {
          const live = await redis.zrangebyscore(`${shared}room-presence:{${room}}`, Date.now(), '+inf');
          expect(live.filter((entry) => entry.endsWith(`\n${user}`))).toEqual([]);
        }, 5_000);

      beforeEach(() => {
        redis = raw();
        changes.length = 0;
      });
      afterEach(async () => {
        await Promise.all(instances.splice(0).map((presence) => presence.close()));
        await redis.quit();
      });

      it('reports a user whose last socket expired as left exactly once, however many instances prune at once', async () => {
        const shared = prefix();
        const room = unique('room');
        const dying = start(shared, 'dying', fast);
        const [a, b] = [start(shared, 'a', slow), start(shared, 'b', slow)];
        await dying.add(room, 'ghost', 'd1');
        await dying.add(room, 'dora', 'd2');
        await a.add(room, 'dora', 'a-dora');
        await a.add(room, 'alice', 'a1');
        await b.add(room, 'carol', 'b1');

        dying.abandon();
        await expiredInRedis(shared, room, 'ghost');
        await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).members(room)));

        // dora still has a live socket on a: she did not leave.
        expect(changes.map(({ room: r, user, state }) => ({ room: r, user, state }))).toEqual([{ room, user: 'ghost', state: 'left' }]);
        expect(['a', 'b']).toContain(changes[0].on);
        expect(await a.members(room)).toEqual(['alice', 'carol', 'dora']);
        expect(changes).toHaveLength(1);
      });

      it('finds expired users on its own, with the renewal of the rooms it has sockets in', async () => {
        const shared = prefix();
        const room = unique('room');
        const dying = start(shared, 'dying', fast);
        const survivor = start(shared, 'survivor', fast);
        await dying.add(room, 'ghost', 'd1');
        await survivor.add(room, 'alice', 's1');

        dying.abandon();

        await expectEventually(() => expect(changes).toEqual([{ on: 'survivor', room, user: 'ghost', state: 'left' }]), 5_000);
      });

      it('reports a user joined again when its instance renews entries that another one had expired', async () => {
        const shared = prefix();
        const room = unique('room');
        // Renews every 1.5 s entries that live 300 ms, as an instance cut off from Redis for a while would.
        const late = start(shared, 'late', { ttlMs: 300, heartbeatMs: 1_500 });
        const other = start(shared, 'other', slow);
        await late.add(room, 'alice', 'l1');
        await other.add(room, 'bob', 'o1');
        await expiredInRedis(shared, room, 'alice');

        expect(await other.members(room)).toEqual(['bob']);
        expect(changes).toEqual([{ on: 'other', room, user: 'alice', state: 'left' }]);

        await expectEventually(() => expect(changes).toContainEqual({ on: 'late', room, user: 'alice', state: 'joined' }), 5_000);
        expect(await other.members(room)).toEqual(['alice', 'bob']);
        expect(changes).toHaveLength(2);
      });

      it('reports neither left nor joined when a new socket of the user replaces its expired entry', async () => {
        const shared = prefix();
        const room = unique('room');
        const dying = start(shared, 'dying', fast);
        const survivor = start(shared, 'survivor', slow);
        await dying.add(room, 'erin', 'd1');
        dying.abandon();
        await expiredInRedis(shared, room, 'erin');

        expect(await survivor.add(room, 'erin', 's1')).toBe(false);
        expect(changes).toEqual([]);
        expect(await survivor.members(room)).toEqual(['erin']);
      });
    });

    it('removes its own entries on close', async () => {
      const shared = prefix();
      const a = new RedisRoomPresence(config(shared));
      const b = new RedisRoomPresence(config(shared));
      try {
        const room = unique('room');
        await a.add(room, 'alice', 'a1');
        await a.close();
        expect(await b.members(room)).toEqual([]);
      } finally {
        await b.close();
      }
    });
  });
}

describeRoomPresenceContract('MemoryRoomPresence', () => new MemoryRoomPresence());
describeRoomPresenceContract('RedisRoomPresence', () => new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: `${unique('presence')}:` }));
describeSharedPresence(
  'one Redis',
  () => ({ url: TEST_REDIS_URL }),
  () => new Redis(TEST_REDIS_URL),
);

describe('on a private Redis Cluster (3 masters, 3 replicas)', () => {
  const servers = usePrivateRedisCluster();
  describeRoomPresenceContract(
    'RedisRoomPresence on a Redis Cluster',
    () => new RedisRoomPresence({ clusterNodes: servers.cluster.startupNodes, prefix: `${unique('presence')}:` }),
  );
  describeSharedPresence(
    'Redis Cluster',
    () => ({ clusterNodes: servers.cluster.startupNodes }),
    () => new Cluster(servers.cluster.startupNodes),
  );

  it('keeps each room on one slot: the keys of a room share its hash tag', async () => {
    const prefix = `${unique('presence')}:`;
    const presence = new RedisRoomPresence({ clusterNodes: servers.cluster.startupNodes, prefix });
    const raw = new Cluster(servers.cluster.startupNodes);
    try {
      const room = unique('room');
      await presence.add(room, 'alice', 'c1');
      const key = `${prefix}room-presence:{${room}}`;
      expect(await raw.zcard(key)).toBe(1);
      expect(Number(await raw.cluster('KEYSLOT', key))).toBe(Number(await raw.cluster('KEYSLOT', room)));
    } finally {
      await presence.close();
      raw.disconnect();
    }
  });
});
