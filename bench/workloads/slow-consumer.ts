import { fixed, ratio, runSetups, Workload } from '../lib/workload';

/** Herald's default `WS_MAX_BUFFERED_BYTES`, which the baseline copies. */
const MAX_BUFFERED_BYTES = 1_048_576;

/**
 * `slow-consumer`: 1% of the sockets stop reading from TCP (`pause`) while
 * every socket gets small broadcasts (measured) and the slow sockets' users
 * also get 15 KiB notifications: about 5 MiB per socket fill the loopback
 * kernel buffers, then the server's backlog passes its 1 MiB cap and it
 * closes them; the rest goes to users with no socket left.
 *
 * The control run publishes exactly the same, but the 15 KiB notifications
 * go to users who have no socket at all, so both runs store and relay the
 * same rows and the only difference is the slow readers.
 */
export const slowConsumer: Workload = {
  name: 'slow-consumer',
  description:
    'S sockets, 1% stop reading; M broadcasts to all (2 in flight) and, alongside, 450 (quick) or 600 POSTs of 15 KiB to the slow users (4 in flight); vs the same publishes with the 15 KiB ones sent to users without a socket',
  async run(context) {
    const sockets = context.quick ? 200 : 1_000;
    const broadcasts = context.quick ? 60 : 300;
    const slowUsers = Array.from({ length: Math.max(1, Math.round(sockets / 100)) }, (_, i) => i * 100 + 50);
    const absentUsers = slowUsers.map((user) => sockets + user);
    // About 340 fill a paused loopback socket and pass the cap; the rest is margin.
    const bulkPosts = context.quick ? 450 : 600;
    const measured = { kind: 'broadcast' as const, count: broadcasts, concurrency: 2 };
    const bulk = (users: number[]) => ({ kind: 'bulk' as const, count: bulkPosts, concurrency: 4, padBytes: 15_000, bulkUsers: users });
    const slowPlan = { sockets, slowUsers, measured, background: bulk(slowUsers), warmup: 20 };
    const controlPlan = { sockets, measured, background: bulk(absentUsers), warmup: 20 };
    const figures = {
      // Controls first: whatever a later run gains from a warm database goes to the slow run, not against it.
      ...(await runSetups(context, 'slow-consumer', [{ name: 'herald, all reading', servers: [{ kind: 'herald' }] }], controlPlan)),
      ...(await runSetups(context, 'slow-consumer', [{ name: 'herald', servers: [{ kind: 'herald' }] }], slowPlan)),
      // The baseline's pair is for reference only; quick runs leave it out to stay under a minute.
      ...(context.quick ? {} : await runSetups(context, 'slow-consumer', [{ name: 'baseline, all reading', servers: [{ kind: 'baseline' }] }], controlPlan)),
      ...(context.quick ? {} : await runSetups(context, 'slow-consumer', [{ name: 'baseline', servers: [{ kind: 'baseline' }] }], slowPlan)),
    };
    const slow = figures.herald;
    const control = figures['herald, all reading'];
    const closed1013 = slow.slow?.closes['1013'] ?? 0;
    // What the slow sockets make the server keep: their capped backlog (plus a frame), nothing that grows with the publishes.
    const growth = slow.retainedRssGrowthBytes - control.retainedRssGrowthBytes;
    const bound = slowUsers.length * 2 * MAX_BUFFERED_BYTES + 16 * 1_048_576;
    const mib = (bytes: number) => fixed(bytes / 1_048_576, 1);
    const p99 = ratio(slow.latency.p99, control.latency.p99);
    return {
      name: 'slow-consumer',
      description: this.description,
      config: { sockets, slowSockets: slowUsers.length, broadcasts, bulkPosts, bulkPayloadBytes: 15_000 },
      setups: figures,
      subject: 'herald',
      reference: 'herald, all reading',
      targets: [
        {
          target: 'slow consumers: server memory bounded',
          met: growth <= bound,
          detail:
            `RSS kept after publishing (after GC) +${mib(slow.retainedRssGrowthBytes)} MiB vs +${mib(control.retainedRssGrowthBytes)} MiB with all reading ` +
            `(bound: ${slowUsers.length} x 2 x WS_MAX_BUFFERED_BYTES + 16 MiB = ${mib(bound)} MiB); peak during publishing +${mib(slow.peakRssGrowthBytes)} vs +${mib(control.peakRssGrowthBytes)} MiB; ` +
            `${slow.slow?.bulkFrames ?? 0} 15 KiB frames reached the slow sockets before their close`,
        },
        {
          target: 'slow consumers closed with 1013',
          met: closed1013 === slowUsers.length,
          detail: `${closed1013}/${slowUsers.length} closed with 1013 (${JSON.stringify(slow.slow?.closes ?? {})})`,
        },
        {
          target: "others' p99 within 1.2x of the run without slow consumers",
          met: p99 <= 1.2 && slow.lost === 0,
          detail: `${fixed(p99)}x (${slow.latency.p99} ms vs ${control.latency.p99} ms); others lost ${slow.lost}`,
        },
      ],
      notes: [],
    };
  },
};
