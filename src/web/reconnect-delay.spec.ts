import { join } from 'node:path';

/** The web client's module, loaded as the browser does (an ES module, rewritten to CommonJS for Jest). */
interface ReconnectDelayModule {
  reconnectDelay: (attempt: number, random?: () => number) => number;
  BACKOFF_BASE_MS: number;
  BACKOFF_CAP_MS: number;
}

const load = (): Promise<ReconnectDelayModule> => import(join(__dirname, 'public', 'assets', 'reconnect-delay.js'));

describe('the web client reconnectDelay', () => {
  it('doubles the ceiling per attempt from 500 ms up to 10 s, each delay in [ceiling / 2, ceiling)', async () => {
    const { reconnectDelay } = await load();
    const lows = Array.from({ length: 8 }, (_, attempt) => reconnectDelay(attempt, () => 0));
    const highs = Array.from({ length: 8 }, (_, attempt) => Math.round(reconnectDelay(attempt, () => 0.999999)));
    expect(lows).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    expect(highs).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('spreads the tabs an instance dropped at once over the upper half of the ceiling', async () => {
    const { reconnectDelay } = await load();
    const delays = Array.from({ length: 1_000 }, () => reconnectDelay(0));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...delays)).toBeLessThan(500);
    // Not in lockstep: the first retries of 1,000 tabs land across most of the window.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(200);
  });

  it('stays capped for any number of attempts', async () => {
    const { reconnectDelay, BACKOFF_CAP_MS } = await load();
    expect(reconnectDelay(1_000, () => 0.999999)).toBeLessThan(BACKOFF_CAP_MS);
  });
});
