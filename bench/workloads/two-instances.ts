import { exactDelivery, fixed, ratio, runSetups, Workload } from '../lib/workload';

/**
 * `two-instances`: fan-out against one Herald, two Herald processes sharing
 * MySQL and Redis (sockets split, publishes alternating), one port
 * served by `HERALD_WORKERS=2` (node:cluster), and two Herald processes on a
 * private 3-master Redis Cluster (`REDIS_CLUSTER_NODES`, sharded pub/sub). Twice the fanout workload's
 * sockets, so that socket writes, the part that spreads over processes,
 * dominate each broadcast.
 */
export const twoInstances: Workload = {
  name: 'two-instances',
  description:
    'fan-out (S sockets, M broadcasts, 4 in flight) on one Herald vs two Herald processes sharing Redis vs HERALD_WORKERS=2 vs two on a Redis Cluster',
  async run(context) {
    const sockets = context.quick ? 400 : 2_000;
    const broadcasts = context.quick ? 50 : 200;
    const setups = await runSetups(
      context,
      'two-instances',
      [
        { name: 'herald x1', servers: [{ kind: 'herald' }] },
        { name: 'herald x2', servers: [{ kind: 'herald' }, { kind: 'herald' }] },
        { name: 'cluster x2', servers: [{ kind: 'herald', workers: 2 }] },
        {
          name: 'herald x2 redis-cluster',
          servers: [
            { kind: 'herald', redisCluster: true },
            { kind: 'herald', redisCluster: true },
          ],
        },
      ],
      { sockets, measured: { kind: 'broadcast', count: broadcasts, concurrency: 4 }, warmup: 20 },
    );
    const one = setups['herald x1'];
    const two = setups['herald x2'];
    const cluster = setups['cluster x2'];
    const sharded = setups['herald x2 redis-cluster'];
    const speed = ratio(two.deliveriesPerSec, one.deliveriesPerSec);
    return {
      name: 'two-instances',
      description: this.description,
      config: { sockets, broadcasts, concurrency: 4 },
      setups,
      subject: 'herald x2',
      reference: 'herald x1',
      targets: [
        {
          target: 'two instances >= 1.6x one',
          met: speed >= 1.6 && two.lost === 0 && two.duplicates === 0,
          detail: `${fixed(speed)}x (cluster x2: ${fixed(ratio(cluster.deliveriesPerSec, one.deliveriesPerSec))}x); x2 ${exactDelivery(two)}; cluster ${exactDelivery(cluster)}`,
        },
        {
          target: 'two instances on a Redis Cluster (sharded pub/sub) deliver exactly, within 0.8x of two on one Redis',
          met: ratio(sharded.deliveriesPerSec, two.deliveriesPerSec) >= 0.8 && sharded.lost === 0 && sharded.duplicates === 0,
          detail: `${fixed(ratio(sharded.deliveriesPerSec, two.deliveriesPerSec))}x of herald x2; ${exactDelivery(sharded)}`,
        },
      ],
      notes: [],
    };
  },
};
