import { compareSetups, exactDelivery, fixed, heraldAndBaseline, runSetups, Workload } from '../lib/workload';

/** `batch`: POSTs of 100 recipients each (consecutive users), 4 in flight; recipients stored and delivered per second. */
export const batch: Workload = {
  name: 'batch',
  description: 'U users (one socket each), M `POST /notifications` of 100 recipients each, 4 in flight',
  async run(context) {
    const users = context.quick ? 200 : 1_000;
    const posts = context.quick ? 40 : 200;
    const setups = await runSetups(context, 'batch', [...heraldAndBaseline('batch'), ...compareSetups()], {
      sockets: users,
      measured: { kind: 'batch', count: posts, concurrency: 4, batchSize: 100 },
      warmup: 10,
    });
    const { herald } = setups;
    const exact = herald.lost === 0 && herald.duplicates === 0 && herald.misdelivered === 0;
    return {
      name: 'batch',
      description: this.description,
      config: { users, posts, recipientsPerPost: 100, concurrency: 4 },
      setups,
      subject: 'herald',
      reference: 'baseline',
      targets: [
        {
          target: 'batch >= 10,000 recipients/s stored and delivered',
          met: herald.deliveriesPerSec >= 10_000 && exact,
          detail: `${fixed(herald.deliveriesPerSec, 0)} delivered/s (${fixed(herald.storedRecipientsPerSec, 0)} stored/s); ${exactDelivery(herald)}`,
        },
      ],
      notes: [],
    };
  },
};
