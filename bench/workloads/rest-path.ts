import { DeliveryFigures } from '../lib/delivery-run';
import { exactDelivery, fixed, ratio, runSetup, Setup, Workload } from '../lib/workload';

/**
 * `rest-path`: the single-recipient POST (as `targeted`) at K=8 and K=1 in
 * flight, for this checkout and for a reference build of Herald, all in one
 * run: what an HTTP pipeline change buys is read side by side, never
 * across runs. The reference is another built checkout
 * (`BENCH_COMPARE_REPO`, e.g. main's `git archive` with its node_modules
 * and `npx tsc -p tsconfig.json`); without it, the baseline stands in.
 *
 * The host is shared, and the same build measured twice in a row differs
 * by more than the change under test, so each K runs `BENCH_REST_ROUNDS`
 * (3; quick 1) rounds in ABBA order (reference, this, this, reference, ...)
 * and the notes compare the means over the rounds. Under --profile each
 * Herald build writes a CPU profile of its first K=8 round.
 */
export const restPath: Workload = {
  name: 'rest-path',
  description: 'U users (one socket each), M single-recipient `POST /notifications`, K=8 then K=1 in flight; this build and a reference build, alternating',
  async run(context) {
    const users = context.quick ? 200 : 1_000;
    const posts = context.quick ? 400 : 2_000;
    const unloadedPosts = context.quick ? 200 : 600;
    const rounds = Number(process.env.BENCH_REST_ROUNDS ?? (context.quick ? 1 : 3));
    const referenceRoot = process.env.BENCH_COMPARE_REPO;
    const figures: Record<string, DeliveryFigures> = {};
    const byBuild: Record<string, DeliveryFigures[]> = {};
    for (const concurrency of [8, 1]) {
      const build = (name: 'reference' | 'herald', round: number): Setup => {
        const profile = concurrency === 8 && round === 1 ? `${name}-rest-k8` : undefined;
        if (name === 'herald' || referenceRoot)
          return { name: `${name} K=${concurrency} #${round}`, servers: [{ kind: 'herald', repo: name === 'herald' ? undefined : referenceRoot, profile }] };
        return { name: `reference K=${concurrency} #${round}`, servers: [{ kind: 'baseline' }] };
      };
      for (let round = 1; round <= rounds; round++) {
        const order: Array<'reference' | 'herald'> = round % 2 === 1 ? ['reference', 'herald'] : ['herald', 'reference'];
        for (const name of order) {
          const setup = build(name, round);
          const result = await runSetup(context, 'rest-path', setup, {
            sockets: users,
            measured: { kind: 'targeted', count: concurrency === 8 ? posts : unloadedPosts, concurrency },
            warmup: 100,
          });
          figures[setup.name] = result;
          (byBuild[`${name} K=${concurrency}`] ??= []).push(result);
        }
      }
    }
    const exact = Object.values(figures).every((f) => f.lost === 0 && f.duplicates === 0 && f.misdelivered === 0);
    const mean = (key: string, value: (f: DeliveryFigures) => number) => byBuild[key].reduce((sum, f) => sum + value(f), 0) / byBuild[key].length;
    const compare = (concurrency: number) => {
      const [subject, reference] = [`herald K=${concurrency}`, `reference K=${concurrency}`];
      const row = (label: string, value: (f: DeliveryFigures) => number, digits: number) =>
        `${label} ${fixed(mean(subject, value), digits)} vs ${fixed(mean(reference, value), digits)} (${fixed(ratio(mean(subject, value), mean(reference, value)))}x)`;
      return (
        `K=${concurrency}, mean of ${rounds} rounds, this build vs ${referenceRoot ? 'the reference' : 'the baseline'}: ` +
        [
          row('deliveries/s', (f) => f.deliveriesPerSec, 0),
          row('p50 ms', (f) => f.latency.p50, 2),
          row('p99 ms', (f) => f.latency.p99, 2),
          row('server CPU s per 1,000', (f) => f.cpuSecondsPer1000Deliveries, 3),
        ].join('; ')
      );
    };
    return {
      name: 'rest-path',
      description: this.description,
      config: { users, posts, unloadedPosts, rounds, reference: referenceRoot ?? 'none (BENCH_COMPARE_REPO unset: the baseline)' },
      setups: figures,
      subject: 'herald K=8 #1',
      reference: referenceRoot ? 'reference K=8 #1' : 'baseline K=8 #1',
      targets: [
        {
          target: 'every setup delivers exactly once',
          met: exact,
          detail:
            Object.entries(figures)
              .filter(([, f]) => f.lost + f.duplicates + f.misdelivered > 0)
              .map(([name, f]) => `${name}: ${exactDelivery(f)}`)
              .join('; ') || 'all exact',
        },
      ],
      notes: [compare(8), compare(1)],
    };
  },
};
