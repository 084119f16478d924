import { MemoryRoomPresence } from '../../src/rooms/memory-room-presence';
import { RedisRoomPresence } from '../../src/rooms/redis-room-presence';
import { RoomPresence } from '../../src/rooms/room-presence';
import { expectEventually } from '../support/expect-eventually';
import { TEST_REDIS_URL, unique } from '../support/test-env';
import { untilElapsed } from '../support/until-elapsed';

/** One behaviour suite for every `RoomPresence` implementation. */
describe.each([
  ['MemoryRoomPresence', () => new MemoryRoomPresence()],
  ['RedisRoomPresence', () => new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: `${unique('presence')}:` })],
] as Array<[string, () => RoomPresence]>)('%s', (_, create) => {
  let presence: RoomPresence;
  beforeEach(() => {
    presence = create();
  });
  afterEach(async () => {
    if (presence instanceof RedisRoomPresence) await presence.close();
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

describe('RedisRoomPresence across instances', () => {
  const prefix = () => `${unique('presence')}:`;

  it('shares members between instances and counts a user\'s sockets on every instance', async () => {
    const shared = prefix();
    const a = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared });
    const b = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared });
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

  it('drops the members of an instance that dies without saying goodbye once the TTL passes, and keeps a live instance\'s', async () => {
    const shared = prefix();
    const timing = { ttlMs: 600, heartbeatMs: 150 };
    const dying = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared }, timing);
    const alive = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared }, timing);
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

  it('removes its own entries on close', async () => {
    const shared = prefix();
    const a = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared });
    const b = new RedisRoomPresence({ url: TEST_REDIS_URL, prefix: shared });
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
