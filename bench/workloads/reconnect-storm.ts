import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import WebSocket from 'ws';
import { Backoff } from '../../src/cli/terminal-backoff';
import { LatencySummary, newHistogram, summarize } from '../lib/latency';
import { ServerProcess } from '../lib/servers';
import { BenchContext, fixed, Workload } from '../lib/workload';

/** Upgrades in flight while the sockets first connect. */
const CONNECT_CONCURRENCY = 100;
/** REST publishers measuring the survivor's POST latency. */
const POSTERS = 4;
/** The survivor's POST latency before the storm is measured for this long, in ms. */
const BASELINE_MS = 10_000;
/** Unmeasured POSTs before the baseline, in ms: connecting S sockets and their warm-up leave GC and relay work behind that is not "normal". */
const SETTLE_MS = 3_000;
const STORM_TIMEOUT_MS = 180_000;

/** One client of the instance that dies: its socket, the newest id it has, what it got after resuming. */
interface Client {
  user: string;
  token: string;
  ws: WebSocket;
  lastId: string | null;
  /** Notification ids received on the survivor. */
  resumedIds: string[];
  resumed: number;
}

/**
 * `reconnect-storm`: S sockets on Herald A, one notification each; A is
 * SIGKILLed; one more notification each is stored on B while nobody is
 * connected; every client reconnects to B after its own jittered backoff
 * (the terminal client's `Backoff`) with `?since=` its newest id, and must
 * get the missed one exactly once. Reports the time from the kill until the
 * last socket is caught up, the catch-up queries B ran (its
 * `herald_catch_up_queries_*` metrics: total, peak concurrency, how many
 * waited for a turn under `REPLAY_CONCURRENCY`), and B's `POST
 * /notifications` latency before and during the storm.
 */
export const reconnectStorm: Workload = {
  name: 'reconnect-storm',
  description: 'S sockets on instance A; A is SIGKILLed; every client resumes on instance B with since, after a jittered backoff',
  async run(context) {
    const sockets = context.quick ? 500 : 5_000;
    const servers: ServerProcess[] = [];
    const clients: Client[] = [];
    try {
      for (const name of ['a', 'b']) {
        servers.push(
          await ServerProcess.start(
            {
              kind: 'herald',
              port: await context.freePort(),
              logFile: join(context.logDir, `reconnect-storm-${name}.log`),
            },
            context.environment,
          ),
        );
      }
      const [a, b] = servers;
      const service = token(context, `${context.runId}-storm-publisher`, ['service']);
      const users = Array.from({ length: sockets }, (_, i) => `${context.runId}-storm-${i}`);
      for (let i = 0; i < users.length; i += CONNECT_CONCURRENCY) {
        const batch = users.slice(i, i + CONNECT_CONCURRENCY);
        clients.push(...(await Promise.all(batch.map((user) => connect(a, user, token(context, user, []))))));
      }
      const warmUp = await post(a, service, users);
      await waitUntil(() => clients.every((client) => client.lastId !== null), 60_000, 'every socket got its warm-up notification');
      await postLatency(b, service, `${context.runId}-storm-probe`, () => false, SETTLE_MS);
      const before = await postLatency(b, service, `${context.runId}-storm-probe`, () => false, BASELINE_MS);

      const killedAt = performance.now();
      await a.kill();
      await waitUntil(() => clients.every((client) => client.ws.readyState === WebSocket.CLOSED), 30_000, 'every socket saw A die');
      const missed = await post(b, service, users);
      const metricsBefore = await catchUpMetrics(b);
      let caughtUp = 0;
      let stormDone = false;
      const during = postLatency(b, service, `${context.runId}-storm-probe`, () => stormDone, STORM_TIMEOUT_MS);
      await Promise.all(
        clients.map(async (client, i) => {
          await new Promise((resolve) => setTimeout(resolve, new Backoff().next()));
          await resume(client, b, warmUp[i], () => caughtUp++);
        }),
      );
      await waitUntil(
        () => clients.every((client, i) => client.resumed > 0 && client.resumedIds.includes(missed[i])),
        STORM_TIMEOUT_MS,
        'every client caught up',
      );
      const caughtUpMs = performance.now() - killedAt;
      stormDone = true;
      const duringSummary = await during;
      const metricsAfter = await catchUpMetrics(b);

      const exact = clients.filter((client, i) => client.resumed === 1 && client.resumedIds.filter((id) => id === missed[i]).length === 1).length;
      const queries = metricsAfter.total - metricsBefore.total;
      const p99Ratio = duringSummary.p99 / Math.max(before.p99, 0.001);
      return {
        name: 'reconnect-storm',
        description: this.description,
        config: { sockets, replayConcurrency: metricsAfter.limit, posters: POSTERS },
        setups: {},
        subject: '',
        reference: '',
        targets: [
          {
            target: 'every client catches up exactly once',
            met: exact === sockets,
            detail: `${exact}/${sockets} got the missed notification once and one resumed; all caught up ${Math.round(caughtUpMs)} ms after the kill`,
          },
          {
            target: 'catch-up queries bounded: peak <= REPLAY_CONCURRENCY, one query per client',
            met: metricsAfter.peak <= metricsAfter.limit && queries === sockets,
            detail: `${queries} queries for ${sockets} clients, peak ${metricsAfter.peak} at once (limit ${metricsAfter.limit}), ${metricsAfter.delayed - metricsBefore.delayed} waited for a turn`,
          },
          {
            target: "survivor's POST p99 during the storm within 3x of before",
            met: p99Ratio <= 3 && duringSummary.failed === 0 && before.failed === 0,
            detail: `p99 ${before.p99} ms before (${before.count} POSTs), ${duringSummary.p99} ms during (${duringSummary.count} POSTs, ${duringSummary.failed} failed): ${fixed(p99Ratio)}x; p50 ${before.p50} -> ${duringSummary.p50} ms`,
          },
        ],
        notes: [`caughtUpMs=${Math.round(caughtUpMs)}`, `resumedBeforeDone=${caughtUp}`],
      };
    } finally {
      for (const client of clients) client.ws.terminate();
      await Promise.all(servers.map((server) => server.stop()));
    }
  },
};

function token(context: BenchContext, sub: string, roles: string[]): string {
  return sign({ sub, roles }, context.secret, { algorithm: 'HS256', expiresIn: 3600 });
}

function open(server: ServerProcess, client: Client, since?: string): Promise<void> {
  const url = new URL(server.wsUrl);
  if (since) url.searchParams.set('since', since);
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${client.token}` } });
  client.ws = ws;
  return new Promise((resolve, reject) => {
    ws.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString('utf8')) as { event: string; data: { id?: string } };
      if (frame.event === 'ready') resolve();
      else if (frame.event === 'notification' && frame.data.id) {
        client.lastId = frame.data.id;
        if (since) client.resumedIds.push(frame.data.id);
      } else if (frame.event === 'resumed') client.resumed++;
    });
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed with ${code} before ready`)));
  });
}

async function connect(server: ServerProcess, user: string, userToken: string): Promise<Client> {
  const client: Client = { user, token: userToken, ws: undefined as unknown as WebSocket, lastId: null, resumedIds: [], resumed: 0 };
  await open(server, client);
  return client;
}

/** Reconnects with `since`, retrying with the client's backoff when the upgrade fails. */
async function resume(client: Client, server: ServerProcess, since: string, onReady: () => void): Promise<void> {
  const backoff = new Backoff();
  for (;;) {
    try {
      await open(server, client, since);
      onReady();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
    }
  }
}

async function post(server: ServerProcess, serviceToken: string, recipients: string[]): Promise<string[]> {
  const response = await fetch(`${server.httpUrl}/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ recipients, type: 'bench.storm' }),
  });
  if (response.status !== 201) throw new Error(`POST /notifications answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

/** POSTER loops of single-recipient POSTs until `done()` or `maxMs`: the latency of those answered 201, and how many were not. */
async function postLatency(
  server: ServerProcess,
  serviceToken: string,
  user: string,
  done: () => boolean,
  maxMs: number,
): Promise<LatencySummary & { failed: number }> {
  const histogram = newHistogram();
  const until = performance.now() + maxMs;
  let failed = 0;
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      while (!done() && performance.now() < until) {
        const started = performance.now();
        try {
          await post(server, serviceToken, [user]);
          histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
        } catch {
          // A failed POST (reset connection, 5xx) is counted and reported, not timed.
          failed++;
        }
      }
    }),
  );
  return { ...summarize(histogram), failed };
}

async function catchUpMetrics(server: ServerProcess): Promise<{ total: number; delayed: number; peak: number; limit: number }> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  // REPLAY_CONCURRENCY is Herald's default here (docs/api.md).
  return {
    total: value('herald_catch_up_queries_total'),
    delayed: value('herald_catch_up_queries_delayed_total'),
    peak: value('herald_catch_up_queries_peak'),
    limit: 16,
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
