import { ReplayLimiter } from './replay-limiter';

/** A query that finishes when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('ReplayLimiter', () => {
  it('runs at most `concurrency` queries at once and the rest in arrival order', async () => {
    const limiter = new ReplayLimiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        order.push(i);
        await g.promise;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(limiter.stats()).toEqual({ running: 2, waiting: 3, peak: 2, started: 2, delayed: 3 });

    gates[1].open();
    await runs[1];
    expect(order).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await Promise.all(runs);

    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.stats()).toEqual({ running: 0, waiting: 0, peak: 2, started: 5, delayed: 3 });
  });

  it('frees the turn of a query that fails and hands the error to its caller', async () => {
    const limiter = new ReplayLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.stats()).toMatchObject({ running: 0, peak: 1, started: 2 });
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new ReplayLimiter(0)).toThrow(RangeError);
  });
});
