import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { addressKey, MAX_TRACKED_ADDRESSES, UpgradeLimits } from './upgrade-limits';

/** A stand-in for an upgrade's TCP connection: only `destroyed` and the `close` event matter; `gone()` closes it. */
function transport(): Socket & { gone(): void } {
  const socket = Object.assign(new EventEmitter(), { destroyed: false }) as unknown as Socket & { gone(): void };
  socket.gone = () => {
    (socket as { destroyed: boolean }).destroyed = true;
    socket.emit('close');
  };
  return socket;
}

function limitsAt(perMinute: number, maxSocketsPerUser = 20): { limits: UpgradeLimits; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { limits: new UpgradeLimits({ upgradesPerMinute: perMinute, maxSocketsPerUser }, () => clock.now), clock };
}

describe('UpgradeLimits.takeUpgrade', () => {
  it("allows a burst of a minute's allowance, then refuses with the seconds until the next one", () => {
    const { limits, clock } = limitsAt(6);
    for (let i = 0; i < 6; i++) expect(limits.takeUpgrade('203.0.113.7')).toBe(0);
    expect(limits.takeUpgrade('203.0.113.7')).toBe(10);
    clock.now += 9_000;
    expect(limits.takeUpgrade('203.0.113.7')).toBe(1);
    clock.now += 1_000;
    expect(limits.takeUpgrade('203.0.113.7')).toBe(0);
    expect(limits.takeUpgrade('203.0.113.8')).toBe(0);
  });

  it('never allows more than the allowance plus what refilled, nor asks to wait longer than one refill (any arrivals)', () => {
    const arrival = fc.record({ address: fc.constantFrom('198.51.100.1', '198.51.100.2', '2001:db8::1'), gapMs: fc.integer({ min: 0, max: 5_000 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(arrival, { maxLength: 300 }), (perMinute, arrivals) => {
        const { limits, clock } = limitsAt(perMinute);
        const start = clock.now;
        const allowed = new Map<string, number>();
        for (const { address, gapMs } of arrivals) {
          clock.now += gapMs;
          const retryAfter = limits.takeUpgrade(address);
          if (retryAfter === 0) allowed.set(address, (allowed.get(address) ?? 0) + 1);
          expect(allowed.get(address) ?? 0).toBeLessThanOrEqual(perMinute + ((clock.now - start) * perMinute) / 60_000);
          // A refusal never asks for more than one upgrade's refill time.
          expect(retryAfter).toBeLessThanOrEqual(Math.ceil(60 / perMinute));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lets an address through after waiting its Retry-After, whatever came before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 200 }), (perMinute, gaps) => {
        const { limits, clock } = limitsAt(perMinute);
        for (const gap of gaps) {
          clock.now += gap;
          const retryAfter = limits.takeUpgrade('192.0.2.1');
          if (retryAfter > 0) {
            clock.now += retryAfter * 1000;
            expect(limits.takeUpgrade('192.0.2.1')).toBe(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps addresses apart: another address's attempts never change one's answers", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 4_000 })), { maxLength: 200 }),
        (perMinute, steps) => {
          const alone = limitsAt(perMinute);
          const shared = limitsAt(perMinute);
          for (const [other, gap] of steps) {
            alone.clock.now += gap;
            shared.clock.now += gap;
            if (other) shared.limits.takeUpgrade('192.0.2.99');
            expect(shared.limits.takeUpgrade('192.0.2.1')).toBe(alone.limits.takeUpgrade('192.0.2.1'));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('remembers at most MAX_TRACKED_ADDRESSES addresses, forgetting the least recently seen', () => {
    const { limits } = limitsAt(1);
    expect(limits.takeUpgrade('10.0.0.0')).toBe(0);
    expect(limits.takeUpgrade('10.0.0.0')).toBeGreaterThan(0);
    for (let i = 1; i <= MAX_TRACKED_ADDRESSES; i++) limits.takeUpgrade(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(limits.takeUpgrade('10.0.0.0')).toBe(0);
  });
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('gives every address of one /64 the same key and addresses of two /64s different ones', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((value) => value.toString(16));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 4, maxLength: 4 }), (a, hostB) => {
        const b = [...a.slice(0, 4), ...hostB];
        expect(addressKey(a.join(':'))).toBe(addressKey(b.join(':')));
        const c = [...a];
        c[3] = ((Number.parseInt(a[3], 16) + 1) & 0xffff).toString(16);
        expect(addressKey(c.join(':'))).not.toBe(addressKey(a.join(':')));
      }),
    );
  });
});

describe('UpgradeLimits.acquireSocket', () => {
  it("admits a user's sockets up to the limit and one more each time one closes", () => {
    const { limits } = limitsAt(600, 2);
    const [a, b, c] = [transport(), transport(), transport()];
    expect(limits.acquireSocket('alice', a)).toBe(true);
    expect(limits.acquireSocket('alice', b)).toBe(true);
    expect(limits.acquireSocket('alice', c)).toBe(false);
    expect(limits.acquireSocket('bob', transport())).toBe(true);
    a.gone();
    expect(limits.acquireSocket('alice', c)).toBe(true);
    expect(limits.acquireSocket('alice', transport())).toBe(false);
  });

  it('counts nothing for a connection that is already gone', () => {
    const { limits } = limitsAt(600, 1);
    const closed = transport();
    closed.gone();
    expect(limits.acquireSocket('alice', closed)).toBe(true);
    expect(limits.acquireSocket('alice', transport())).toBe(true);
  });

  it('never holds more than the limit open, whatever the order of opens and closes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom('alice', 'bob'), fc.boolean(), fc.nat()), { maxLength: 100 }),
        (max, steps) => {
          const { limits } = limitsAt(600, max);
          const open = new Map<string, Array<ReturnType<typeof transport>>>([
            ['alice', []],
            ['bob', []],
          ]);
          for (const [user, opening, pick] of steps) {
            const sockets = open.get(user)!;
            if (opening) {
              const socket = transport();
              const admitted = limits.acquireSocket(user, socket);
              expect(admitted).toBe(sockets.length < max);
              if (admitted) sockets.push(socket);
            } else if (sockets.length > 0) {
              sockets.splice(pick % sockets.length, 1)[0].gone();
            }
          }
        },
      ),
    );
  });
});
