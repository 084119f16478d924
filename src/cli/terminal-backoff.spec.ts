import { Backoff } from './terminal-backoff';

describe('Backoff', () => {
  it('doubles the ceiling per attempt up to the cap, each delay in [ceiling / 2, ceiling]', () => {
    const low = new Backoff({ initialMs: 500, maxMs: 10_000, random: () => 0 });
    const high = new Backoff({ initialMs: 500, maxMs: 10_000, random: () => 0.999999 });
    const lows = Array.from({ length: 8 }, () => low.next());
    const highs = Array.from({ length: 8 }, () => high.next());
    expect(lows).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    expect(highs).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, random: () => 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });
});
