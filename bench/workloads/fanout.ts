import { compareSetups, exactDelivery, fixed, heraldAndBaseline, ratio, runSetups, Workload } from '../lib/workload';

/** `fanout`: S sockets, all in the broadcast group; M broadcasts, 4 in flight; every socket must get every one. Also on a Redis Cluster. */
export const fanout: Workload = {
  name: 'fanout',
  description: 'S sockets in the broadcast group, M `POST /notifications/broadcast` (4 in flight); each reaches every socket',
  async run(context) {
    const sockets = context.quick ? 200 : 1_000;
    const broadcasts = context.quick ? 50 : 200;
    const setups = await runSetups(
      context,
      'fanout',
      [...heraldAndBaseline('fanout'), ...compareSetups(), { name: 'herald redis-cluster', servers: [{ kind: 'herald', redisCluster: true }] }],
      {
        sockets,
        measured: { kind: 'broadcast', count: broadcasts, concurrency: 4 },
        warmup: 20,
      },
    );
    const { herald, baseline } = setups;
    const sharded = setups['herald redis-cluster'];
    const speed = ratio(herald.deliveriesPerSec, baseline.deliveriesPerSec);
    const exact = herald.lost === 0 && herald.duplicates === 0 && herald.misdelivered === 0 && herald.publishFailed === 0;
    return {
      name: 'fanout',
      description: this.description,
      config: { sockets, broadcasts, concurrency: 4 },
      setups,
      subject: 'herald',
      reference: 'baseline',
      targets: [
        {
          target: 'fan-out deliveries/s >= 1.0x baseline with 0 lost / 0 duplicates',
          met: speed >= 1 && exact,
          detail: `${fixed(speed)}x; Herald ${exactDelivery(herald)}`,
        },
        {
          target: 'fan-out on a Redis Cluster (sharded pub/sub) delivers exactly, within 0.8x of one Redis',
          met: ratio(sharded.deliveriesPerSec, herald.deliveriesPerSec) >= 0.8 && sharded.lost === 0 && sharded.duplicates === 0,
          detail: `${fixed(ratio(sharded.deliveriesPerSec, herald.deliveriesPerSec))}x of herald; ${exactDelivery(sharded)}`,
        },
      ],
      notes: [],
    };
  },
};
