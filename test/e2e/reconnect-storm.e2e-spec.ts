import { Backoff } from '../../src/cli/terminal-backoff';
import { byId, deliveryFaults, NO_FAULTS, notificationIds } from '../support/delivery-audit';
import { reportFigures } from '../support/delivery-figures';
import { expectEventually } from '../support/expect-eventually';
import { inParallel } from '../support/in-parallel';
import { postMarker } from '../support/marker-notification';
import { postNotifications } from '../support/outage-requests';
import { scrapeMetrics } from '../support/scrape-metrics';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { TestClient } from '../support/ws-client';

/** Sockets on the instance that dies; the bench's `reconnect-storm` workload runs 5,000. */
const SOCKETS = 300;
/** The survivor's catch-up query limit: far below the sockets arriving at once. */
const REPLAY_CONCURRENCY = 2;

/**
 * A reconnect storm (docs/scaling.md): an instance with hundreds of sockets
 * goes away, and every client reconnects to the survivor with `since`,
 * after a jittered backoff as the web and terminal clients do. Each socket
 * catches up exactly once, and the survivor's database sees at most
 * `REPLAY_CONCURRENCY` catch-up queries at a time (its
 * `herald_catch_up_queries_peak` metric), one per socket in all.
 */
describe('a reconnect storm onto the surviving instance', () => {
  const prefix = `${unique('herald-storm')}:`;
  const a = useHerald({ REDIS_PREFIX: prefix });
  const b = useHerald({ REDIS_PREFIX: prefix, REPLAY_CONCURRENCY: String(REPLAY_CONCURRENCY), WS_UPGRADES_PER_MINUTE: '1000000' });

  it('catches every reconnecting socket up exactly once, a bounded number of database queries at a time', async () => {
    const service = serviceToken(unique('svc'));
    const users = Array.from({ length: SOCKETS }, (_, i) => unique(`storm${i}`));
    const onA = await inParallel(users.length, 16, (i) => a.connect(users[i]));
    const warmUp = await postMarker(a.app.baseUrl, service, users, 'storm.warm-up', onA);
    const before = await scrapeMetrics(b.app.baseUrl);

    await a.app.close();
    const diedAt = performance.now();
    await Promise.all(onA.map((client) => client.closed));
    // Stored while nobody is connected: only the resumes can deliver these.
    const missed = await postNotifications(b.app.baseUrl, service, users, 'storm.missed');
    expect(missed.status).toBe(201);

    // Every client waits its own jittered first backoff (the clients' Backoff), then resumes on the survivor.
    const resumed: TestClient[] = await Promise.all(
      users.map(async (user, u) => {
        await new Promise((resolve) => setTimeout(resolve, new Backoff().next()));
        // The storm is the load: on a loaded machine `ready` may take longer than a lone connect's 5 s (seen under stress-ng).
        return b.connect(user, { since: warmUp.ids[u], readyTimeoutMs: 60_000 });
      }),
    );
    await Promise.all(resumed.map((client) => client.next('resumed', () => true, 60_000)));
    const caughtUpAt = performance.now();
    const sentinel = await postMarker(b.app.baseUrl, service, users, 'storm.sentinel', resumed);

    resumed.forEach((client, u) => {
      expect({ user: u, ...deliveryFaults(notificationIds(client), [missed.ids[u], sentinel.ids[u]]) }).toEqual({ user: u, ...NO_FAULTS });
      expect(client.all('resumed')).toEqual([{ since: warmUp.ids[u], count: 1 }]);
    });
    expect(byId(missed.ids[0], warmUp.ids[0])).toBe(1);
    await expectEventually(async () => expect((await scrapeMetrics(b.app.baseUrl)).value('herald_catch_up_queries_running')).toBe(0));
    const after = await scrapeMetrics(b.app.baseUrl);
    expect(after.value('herald_catch_up_queries_total') - before.value('herald_catch_up_queries_total')).toBe(SOCKETS);
    // The storm pressed on the limit (queries had to wait their turn), and the limit held.
    const delayed = after.value('herald_catch_up_queries_delayed_total') - before.value('herald_catch_up_queries_delayed_total');
    expect(delayed).toBeGreaterThan(0);
    expect(after.value('herald_catch_up_queries_peak')).toBeLessThanOrEqual(REPLAY_CONCURRENCY);
    expect(after.value('herald_catch_up_queries_waiting')).toBe(0);

    reportFigures('reconnect-storm', {
      sockets: SOCKETS,
      replayConcurrency: REPLAY_CONCURRENCY,
      catchUpQueries: after.value('herald_catch_up_queries_total') - before.value('herald_catch_up_queries_total'),
      delayedQueries: delayed,
      peakConcurrentQueries: after.value('herald_catch_up_queries_peak'),
      allCaughtUpAfterDeathMs: Math.round(caughtUpAt - diedAt),
    });
  }, 120_000);
});
