import { compareSetups, exactDelivery, fixed, heraldAndBaseline, runSetups, Workload } from '../lib/workload';

/**
 * `rollback-stall`: a timed single-recipient stream (K=1, one POST at a
 * time, so each latency is the path's own) beside `Idempotency-Key` races
 * for another user: each race sends one POST three times at once with one
 * key, exactly what docs/rest.md tells a client to do after a 503; two of
 * the three transactions roll back. The figure is the worst delay the
 * races cause to the other recipients' live delivery: the measured
 * stream's max latency, read against the baseline's (which has no
 * idempotency and so no rollbacks) in the same run.
 */
export const rollbackStall: Workload = {
  name: 'rollback-stall',
  description:
    'U users (one socket each), M single-recipient POSTs at K=1, beside R `Idempotency-Key` races (3 identical POSTs at once) for a user without a socket',
  async run(context) {
    const users = context.quick ? 100 : 500;
    const posts = context.quick ? 200 : 600;
    const races = context.quick ? 100 : 300;
    const setups = await runSetups(context, 'rollback-stall', [...heraldAndBaseline(), ...compareSetups()], {
      sockets: users,
      measured: { kind: 'targeted', count: posts, concurrency: 1 },
      // The race recipient is user `users`, one past the last socket: nothing of it is delivered or counted.
      background: { kind: 'race', count: races, concurrency: 1, bulkUsers: [users] },
      warmup: 50,
    });
    const { herald, baseline } = setups;
    const exact = herald.lost === 0 && herald.duplicates === 0 && herald.misdelivered === 0;
    const stall = herald.latency.max - baseline.latency.max;
    return {
      name: 'rollback-stall',
      description: this.description,
      config: { users, posts, races },
      setups,
      subject: 'herald',
      reference: 'baseline',
      targets: [
        {
          target: 'rollback-stall: worst other-recipient delay <= 50 ms',
          met: herald.latency.max <= 50 && exact,
          detail: `Herald max ${herald.latency.max} ms, p99 ${herald.latency.p99} ms, p50 ${herald.latency.p50} ms (baseline max ${baseline.latency.max} ms, p99 ${baseline.latency.p99} ms; difference of the maxima ${fixed(stall, 1)} ms); Herald ${exactDelivery(herald)}`,
        },
      ],
      notes: [],
    };
  },
};
