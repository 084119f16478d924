import { fixed, heraldAndBaseline, ratio, runSetups, Workload } from '../lib/workload';

/** `connections`: C idle authenticated sockets; connect rate and server RSS per socket; 3 broadcasts prove they are live. */
export const connections: Workload = {
  name: 'connections',
  description: 'C idle authenticated sockets opened from 4+ load clients (100 upgrades in flight each); then 3 broadcasts to all',
  async run(context) {
    const sockets = context.quick ? 1_000 : 15_000;
    const setups = await runSetups(context, 'connections', heraldAndBaseline(), {
      sockets,
      measured: { kind: 'broadcast', count: 3, concurrency: 1 },
      warmup: 1,
    });
    const { herald, baseline } = setups;
    const rss = ratio(herald.rssPerSocketBytes, baseline.rssPerSocketBytes);
    return {
      name: 'connections',
      description: this.description,
      config: { sockets },
      setups,
      subject: 'herald',
      reference: 'baseline',
      targets: [
        {
          target: `RSS/socket <= 1.3x baseline at ${sockets} sockets`,
          met: rss <= 1.3 && herald.ready === sockets,
          detail: `${fixed(rss)}x (${fixed(herald.rssPerSocketBytes / 1024, 1)} KiB vs ${fixed(baseline.rssPerSocketBytes / 1024, 1)} KiB); ${herald.ready}/${sockets} ready`,
        },
      ],
      notes: [],
    };
  },
};
