import { sign } from 'jsonwebtoken';
import { LatencySummary, mergeHistograms, summarize } from './latency';
import { LoadClient, LoadClientPool } from './load-clients';
import { ConnectCommand, ConnectResult, PublishCommand, PublishResult, ReceiveProgress, ReceiveResult } from './load-protocol';
import { collectGarbage, nowMicros, RssWatcher, sampleAll } from './proc-stats';
import { ServerProcess } from './servers';

/** Most sockets one load-client process holds (each costs it a file descriptor; the limit is 20,000). */
const SOCKETS_PER_CLIENT = 4_000;
/** Upgrades in flight per load client. */
const CONNECT_CONCURRENCY = 100;
/** Delivery is over when the count has not moved for this long after the last publish, in ms. */
const QUIET_MS = 3_000;
/** The per-socket RSS figure is taken this long after the last `ready` (plus a forced GC), in ms. */
const SETTLE_MS = 500;
/** Time given to the servers to run the full GC asked for before an RSS sample, in ms. */
const GC_WAIT_MS = 500;

/** One stream of publishes (see publisher.ts for the kinds). */
export interface Stream {
  kind: PublishCommand['kind'];
  count: number;
  concurrency: number;
  padBytes?: number;
  batchSize?: number;
  bulkUsers?: number[];
}

export interface DeliveryPlan {
  /** One socket per user, users 0 .. sockets-1. */
  sockets: number;
  /** Users whose sockets stop reading from TCP during the measured phase. */
  slowUsers?: number[];
  /** The stream whose deliveries are counted and timed. */
  measured: Stream;
  /** Published at the same time, only counted (slow-consumer pressure). */
  background?: Stream;
  /** Publishes of the measured kind before measuring (JIT, pools, caches). */
  warmup: number;
}

/** Everything one setup did in one delivery run. */
export interface DeliveryFigures {
  sockets: number;
  ready: number;
  connectFailed: number;
  connectErrors: Record<string, number>;
  connectsPerSec: number;
  /** Server RSS growth from before the first socket to all `ready`, per socket, in bytes. */
  rssPerSocketBytes: number;
  publishes: number;
  publishFailed: number;
  publishStatuses: Record<string, number>;
  publishesPerSec: number;
  /** Recipients stored per second (targeted and batch POSTs). */
  storedRecipientsPerSec: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  misdelivered: number;
  stray: number;
  deliveriesPerSec: number;
  /** REST send to client receipt, ms. */
  latency: LatencySummary;
  /** REST round trip, ms. */
  restLatency: LatencySummary;
  cpuSeconds: number;
  cpuSecondsPer1000Deliveries: number;
  /** CPU the load clients (receivers and publisher) used in the measured phase: they share the 2 cores with the server. */
  clientCpuSeconds: number;
  /** Peak server RSS during the measured phase minus the RSS before it, in bytes. */
  peakRssGrowthBytes: number;
  /** Server RSS after the measured phase and a full GC minus the RSS before it, in bytes. */
  retainedRssGrowthBytes: number;
  measuredSeconds: number;
  /** The measured phase, µs on CLOCK_MONOTONIC: from the first measured publish to the last delivery (or the drain's end). */
  window: [number, number];
  /** Slow sockets: how they were closed (code -> count) and what reached them. */
  slow?: { sockets: number; closes: Record<string, number>; delivered: number; bulkFrames: number };
  normalCloses: Record<string, number>;
}

/**
 * Connects the plan's sockets to the servers (split evenly, publishes
 * round-robin over them), warms up, then publishes the measured stream and
 * waits until every expected delivery arrived or nothing moved for
 * `QUIET_MS`. The caller starts and stops the servers.
 */
export async function runDelivery(
  label: string,
  servers: readonly ServerProcess[],
  plan: DeliveryPlan,
  secret: string,
  runId: string,
  quick: boolean,
): Promise<DeliveryFigures> {
  // Quick runs (development) wait less for GC and settling; their RSS figures are rough.
  const settleMs = quick ? 200 : SETTLE_MS;
  const gcWaitMs = quick ? 200 : GC_WAIT_MS;
  const pids = servers.map((server) => server.pid);
  const receivers = new LoadClientPool(Math.max(2, Math.ceil(plan.sockets / SOCKETS_PER_CLIENT)), `${label}-receiver`);
  const publisher = new LoadClient(`${label}-publisher`);
  const userPrefix = `${runId}-${label}-u`;
  const slowUsers = plan.slowUsers ?? [];
  const began = Date.now();
  // BENCH_TRACE=1 prints when each phase ends, to see where a run spends its time.
  const trace = (phase: string) => process.env.BENCH_TRACE && console.log(`   ${label}: ${phase} at ${Date.now() - began} ms`);
  try {
    await collectGarbage(pids, gcWaitMs);
    if (!quick) await collectGarbage(pids, gcWaitMs);
    const rssBefore = sampleAll(pids).rssBytes;
    trace('gc');
    const connects = await Promise.all(connectCommands(plan, servers, receivers, secret, userPrefix, slowUsers));
    const ready = sum(connects.map((c) => c.ready));
    const connectSeconds = (Math.max(...connects.map((c) => c.endedMicros)) - Math.min(...connects.map((c) => c.startedMicros))) / 1e6;
    await sleep(settleMs);
    await collectGarbage(pids, gcWaitMs);
    const rssReady = sampleAll(pids).rssBytes;
    trace(`connected ${ready}`);

    const token = publisherToken(secret, runId);
    const publishCommand = (stream: Stream, phase: number): PublishCommand => ({
      op: 'publish',
      targets: servers.map((server) => server.httpUrl),
      token,
      kind: stream.kind,
      count: stream.count,
      concurrency: stream.concurrency,
      phase,
      users: plan.sockets,
      userPrefix,
      batchSize: stream.batchSize ?? 1,
      padBytes: stream.padBytes ?? 0,
      bulkUsers: stream.bulkUsers ?? [],
    });
    const normalSockets = ready - slowUsers.length;
    const expectedFor = (stream: Stream, result: PublishResult) => (stream.kind === 'broadcast' ? result.ok * normalSockets : result.okRecipients);

    await receivers.all({ op: 'phase', phase: 0 });
    const warm = await publisher.request<PublishResult>(publishCommand({ ...plan.measured, count: plan.warmup }, 0));
    await drain(receivers, expectedFor(plan.measured, warm), nowMicros());
    trace('warm');

    await receivers.all({ op: 'phase', phase: 1 });
    if (slowUsers.length > 0) await receivers.all({ op: 'pause' });
    const clientPids = [...receivers.clients.map((client) => client.pid), publisher.pid];
    const cpuBefore = sampleAll(pids).cpuSeconds;
    const clientCpuBefore = sampleAll(clientPids).cpuSeconds;
    const rssWatcher = new RssWatcher(pids);
    const [main] = await Promise.all([
      publisher.request<PublishResult>(publishCommand(plan.measured, 1)),
      ...(plan.background ? [publisher.request<PublishResult>(publishCommand(plan.background, 1))] : []),
    ]);
    const expected = expectedFor(plan.measured, main);
    const progress = await drain(receivers, expected, nowMicros());
    const windowEnd = nowMicros();
    trace('measured');
    const cpuSeconds = sampleAll(pids).cpuSeconds - cpuBefore;
    const clientCpuSeconds = sampleAll(clientPids).cpuSeconds - clientCpuBefore;
    const peakRss = rssWatcher.stop();
    // Slow sockets still hold their backlog here (their close handshake waits for them to read).
    await collectGarbage(pids, gcWaitMs);
    const rssAfter = sampleAll(pids).rssBytes;

    if (slowUsers.length > 0) {
      // Reading again lets the slow sockets reach the close frame queued behind their backlog.
      await receivers.all({ op: 'resume' });
      await waitFor(async () => sum((await receivers.all<ReceiveProgress>({ op: 'progress' })).map((p) => total(p.closes.slow))) >= slowUsers.length, 10_000);
    }
    const results = await receivers.all<ReceiveResult>({ op: 'collect' });
    await receivers.all({ op: 'close' });
    trace('closed');

    const delivered = sum(results.map((r) => r.unique));
    const measuredSeconds = Math.max(1e-6, ((progress.lastReceiptMicros || nowMicros()) - main.startedMicros) / 1e6);
    const publishSeconds = Math.max(1e-6, (main.endedMicros - main.startedMicros) / 1e6);
    return {
      sockets: plan.sockets,
      ready,
      connectFailed: sum(connects.map((c) => c.failed)),
      connectErrors: mergeCounts(connects.map((c) => c.errors)),
      connectsPerSec: ready / connectSeconds,
      rssPerSocketBytes: ready > 0 ? (rssReady - rssBefore) / ready : 0,
      publishes: main.ok,
      publishFailed: main.failed,
      publishStatuses: main.statuses,
      publishesPerSec: main.ok / publishSeconds,
      storedRecipientsPerSec: main.okRecipients / publishSeconds,
      expected,
      delivered,
      lost: Math.max(0, expected - delivered),
      duplicates: sum(results.map((r) => r.duplicates)),
      misdelivered: sum(results.map((r) => r.misdelivered)),
      stray: sum(results.map((r) => r.stray)),
      deliveriesPerSec: delivered / measuredSeconds,
      latency: summarize(mergeHistograms(results.map((r) => r.normalLatency))),
      restLatency: summarize(mergeHistograms([main.requestLatency])),
      cpuSeconds,
      cpuSecondsPer1000Deliveries: delivered > 0 ? cpuSeconds / (delivered / 1000) : 0,
      clientCpuSeconds,
      peakRssGrowthBytes: Math.max(0, peakRss - rssReady),
      retainedRssGrowthBytes: rssAfter - rssReady,
      measuredSeconds,
      window: [main.startedMicros, windowEnd],
      slow:
        slowUsers.length > 0
          ? {
              sockets: slowUsers.length,
              closes: mergeCounts(results.map((r) => r.closes.slow)),
              delivered: sum(results.map((r) => r.uniqueSlow)),
              bulkFrames: sum(results.map((r) => r.bulkFrames)),
            }
          : undefined,
      normalCloses: mergeCounts(results.map((r) => r.closes.normal)),
    };
  } finally {
    receivers.kill();
    publisher.kill();
  }
}

/** Users in contiguous blocks per server, each block split over the load clients; client i connects from 127.0.0.(2+i). */
function connectCommands(
  plan: DeliveryPlan,
  servers: readonly ServerProcess[],
  receivers: LoadClientPool,
  secret: string,
  userPrefix: string,
  slowUsers: number[],
): Array<Promise<ConnectResult>> {
  const requests: Array<Promise<ConnectResult>> = [];
  servers.forEach((server, s) => {
    const [blockStart, blockEnd] = split(plan.sockets, servers.length, s);
    receivers.clients.forEach((client, c) => {
      const [from, to] = split(blockEnd - blockStart, receivers.clients.length, c);
      if (to <= from) return;
      const command: ConnectCommand = {
        op: 'connect',
        url: server.wsUrl,
        localAddress: `127.0.0.${2 + c}`,
        secret,
        userPrefix,
        first: blockStart + from,
        count: to - from,
        slow: slowUsers.filter((user) => user >= blockStart + from && user < blockStart + to),
        concurrency: CONNECT_CONCURRENCY,
      };
      requests.push(client.request<ConnectResult>(command));
    });
  });
  return requests;
}

/** Polls the receivers until `expected` deliveries arrived or nothing moved for QUIET_MS; returns the totals. */
async function drain(receivers: LoadClientPool, expected: number, since: number): Promise<{ unique: number; lastReceiptMicros: number }> {
  let last = -1;
  let lastChange = since;
  for (;;) {
    const progress = await receivers.all<ReceiveProgress>({ op: 'progress' });
    const unique = sum(progress.map((p) => p.unique));
    const lastReceiptMicros = Math.max(...progress.map((p) => p.lastReceiptMicros));
    if (unique >= expected) return { unique, lastReceiptMicros };
    if (unique !== last) {
      last = unique;
      lastChange = nowMicros();
    } else if (nowMicros() - lastChange > QUIET_MS * 1000) {
      return { unique, lastReceiptMicros };
    }
    await sleep(100);
  }
}

function publisherToken(secret: string, runId: string): string {
  return sign({ sub: `${runId}-publisher`, roles: ['admin', 'service'] }, secret, { algorithm: 'HS256', expiresIn: 3600 });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await condition())) await sleep(100);
}

export function split(total: number, parts: number, index: number): [number, number] {
  return [Math.floor((total * index) / parts), Math.floor((total * (index + 1)) / parts)];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function total(counts: Record<string, number>): number {
  return sum(Object.values(counts));
}

function mergeCounts(list: Array<Record<string, number>>): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const counts of list) for (const [key, value] of Object.entries(counts)) merged[key] = (merged[key] ?? 0) + value;
  return merged;
}
