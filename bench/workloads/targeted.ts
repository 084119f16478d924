import { compareSetups, exactDelivery, fixed, heraldAndBaseline, ratio, runSetups, Workload } from '../lib/workload';

/** `targeted`: U users with one socket each; M single-recipient POSTs, K in flight, round-robin over the users. */
export const targeted: Workload = {
  name: 'targeted',
  description: 'U users (one socket each), M single-recipient `POST /notifications`, K=8 in flight; then M/4 at K=1 (unloaded latency)',
  async run(context) {
    const users = context.quick ? 200 : 1_000;
    const posts = context.quick ? 400 : 2_000;
    const concurrency = 8;
    // The cluster column shows what the second core buys; the targets are for one process, as the baseline is.
    const setups = await runSetups(
      context,
      'targeted',
      [...heraldAndBaseline('targeted'), { name: 'herald cluster x2', servers: [{ kind: 'herald', workers: 2 }] }, ...compareSetups()],
      {
        sockets: users,
        measured: { kind: 'targeted', count: posts, concurrency },
        warmup: 100,
      },
    );
    // Unloaded: one POST at a time, so the latency is the path's own (insert, publish, socket), not queueing.
    const unloadedPosts = Math.round(posts / 4);
    const unloaded = await runSetups(context, 'targeted-k1', [...heraldAndBaseline(), ...compareSetups()], {
      sockets: users,
      measured: { kind: 'targeted', count: unloadedPosts, concurrency: 1 },
      warmup: 50,
    });
    setups['herald K=1'] = unloaded.herald;
    setups['baseline K=1'] = unloaded.baseline;
    if (unloaded['herald (compare)']) setups['herald (compare) K=1'] = unloaded['herald (compare)'];
    const { herald, baseline, 'herald cluster x2': cluster } = setups;
    const k1 = ratio(unloaded.herald.latency.p50, unloaded.baseline.latency.p50);
    const speed = ratio(herald.deliveriesPerSec, baseline.deliveriesPerSec);
    const exact = herald.lost === 0 && herald.duplicates === 0 && herald.misdelivered === 0;
    return {
      name: 'targeted',
      description: this.description,
      config: { users, posts, concurrency, unloadedPosts },
      setups,
      subject: 'herald',
      reference: 'baseline',
      targets: [
        { target: 'targeted deliveries/s >= 0.9x baseline', met: speed >= 0.9 && exact, detail: `${fixed(speed)}x; Herald ${exactDelivery(herald)}` },
        { target: 'targeted p99 <= 15 ms', met: herald.latency.p99 <= 15, detail: `Herald p99 ${herald.latency.p99} ms (baseline ${baseline.latency.p99} ms)` },
        {
          target: 'targeted K=1 p50 <= 1.5x baseline',
          met: k1 <= 1.5 && unloaded.herald.lost === 0 && unloaded.herald.duplicates === 0,
          detail: `${fixed(k1)}x: Herald p50 ${unloaded.herald.latency.p50} ms, p99 ${unloaded.herald.latency.p99} ms (baseline p50 ${unloaded.baseline.latency.p50} ms, p99 ${unloaded.baseline.latency.p99} ms); Herald ${exactDelivery(unloaded.herald)}`,
        },
      ],
      notes: [
        `HERALD_WORKERS=2 (both cores, sharing them with MariaDB, Redis and the load clients): ${fixed(ratio(cluster.deliveriesPerSec, baseline.deliveriesPerSec))}x baseline deliveries/s, p99 ${cluster.latency.p99} ms; ${exactDelivery(cluster)}`,
      ],
    };
  },
};
