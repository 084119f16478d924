import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { createConnection } from 'mysql2/promise';
import WebSocket from 'ws';
import { newHistogram, summarize } from '../lib/latency';
import { ServerProcess } from '../lib/servers';
import { fixed, Workload } from '../lib/workload';

const CATEGORIES = ['comments', 'mentions', 'billing', 'security', 'general'];
/** Most state-change requests in flight; beyond it the driver falls behind the rate rather than pile up. */
const MAX_IN_FLIGHT = 64;

/**
 * `counts`: U users with N stored notifications each (seeded straight into
 * MySQL), one socket each; R mixed state changes per second (read, unread,
 * seen, archive, unarchive on a random user's random notification) for D
 * seconds, and GET /notifications/counts at R/20 per second beside them.
 * Reports the p99 of both, and the `counts` and `notification.state`
 * frames the sockets received per change (coalescing caps counts at one
 * per 250 ms per socket). No baseline: the raw ws server has no inbox.
 */
export const counts: Workload = {
  name: 'counts',
  description: 'U users x N notifications, one socket each, R mixed state changes/s for D s plus GET /notifications/counts at R/20 per s',
  async run(context) {
    const users = context.quick ? 100 : 1_000;
    const perUser = context.quick ? 200 : 1_000;
    const rate = context.quick ? 300 : 1_000;
    const seconds = context.quick ? 5 : 20;
    const server = await ServerProcess.start(
      { kind: 'herald', port: await context.freePort(), logFile: join(context.logDir, 'counts-herald.log') },
      context.environment,
    );
    const sockets: WebSocket[] = [];
    try {
      const names = Array.from({ length: users }, (_, i) => `${context.runId}-c${i}`);
      const seedStarted = Date.now();
      const ids = await seed(context.environment.databaseUrl, names, perUser);
      const seedSeconds = (Date.now() - seedStarted) / 1000;
      const tokens = names.map((sub) => sign({ sub }, context.secret, { algorithm: 'HS256', expiresIn: 3600 }));
      const frames = { counts: 0, state: 0 };
      await Promise.all(
        tokens.map(
          (token) =>
            new Promise<void>((resolve, reject) => {
              const socket = new WebSocket(server.wsUrl, { headers: { authorization: `Bearer ${token}` } });
              sockets.push(socket);
              socket.on('message', (raw: Buffer) => {
                const event = (JSON.parse(raw.toString()) as { event: string }).event;
                if (event === 'ready') resolve();
                else if (event === 'counts') frames.counts++;
                else if (event === 'notification.state') frames.state++;
              });
              socket.once('error', reject);
            }),
        ),
      );

      const changes = newHistogram();
      const reads = newHistogram();
      let failures = 0;
      let inFlight = 0;
      let sent = 0;
      let behind = 0;
      const timed = async (histogram: typeof changes, method: string, path: string, token: string, body?: unknown) => {
        const started = process.hrtime.bigint();
        const response = await fetch(`${server.httpUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        await response.arrayBuffer();
        histogram.recordValue(Math.max(1, Number((process.hrtime.bigint() - started) / 1000n)));
        if (!response.ok) failures++;
      };
      const change = async () => {
        const user = Math.floor(Math.random() * users);
        const id = ids[user][Math.floor(Math.random() * perUser)];
        const roll = Math.random();
        const [method, path, body] =
          roll < 0.3
            ? ['POST', `/notifications/${id}/read`]
            : roll < 0.5
              ? ['POST', `/notifications/${id}/unread`]
              : roll < 0.7
                ? ['POST', '/notifications/seen', { ids: [id] }]
                : roll < 0.85
                  ? ['POST', `/notifications/${id}/archive`]
                  : ['POST', `/notifications/${id}/unarchive`];
        inFlight++;
        try {
          await timed(changes, method, path, tokens[user], body);
        } finally {
          inFlight--;
        }
      };
      const started = Date.now();
      const pending: Array<Promise<void>> = [];
      const countsBefore = { ...frames };
      while (Date.now() - started < seconds * 1000) {
        const due = Math.floor(((Date.now() - started) / 1000) * rate);
        while (sent < due) {
          if (inFlight >= MAX_IN_FLIGHT) {
            behind += due - sent;
            sent = due;
            break;
          }
          sent++;
          pending.push(change().catch(() => void failures++));
          if (sent % 20 === 0) {
            const user = Math.floor(Math.random() * users);
            pending.push(timed(reads, 'GET', '/notifications/counts', tokens[user]).catch(() => void failures++));
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await Promise.all(pending);
      const elapsed = (Date.now() - started) / 1000;
      // Let the last coalesced counts frames (250 ms windows) arrive.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const made = changes.totalCount;
      const change99 = summarize(changes);
      const read99 = summarize(reads);
      const countsPerChange = (frames.counts - countsBefore.counts) / Math.max(1, made);
      const statePerChange = (frames.state - countsBefore.state) / Math.max(1, made);
      return {
        name: 'counts',
        description: this.description,
        config: { users, perUser, rate, seconds },
        setups: {},
        subject: 'herald',
        reference: '',
        targets: [
          {
            target: 'state-change POST p99 and GET /notifications/counts p99 reported',
            met: failures === 0,
            detail: `state change p50 ${change99.p50} ms, p99 ${change99.p99} ms (${made} changes, ${fixed(made / elapsed, 0)}/s); counts p50 ${read99.p50} ms, p99 ${read99.p99} ms (${read99.count} reads); ${failures} failed`,
          },
          {
            target: 'counts frames per change <= 1 (coalesced)',
            met: countsPerChange <= 1,
            detail: `${fixed(countsPerChange)} counts frames and ${fixed(statePerChange)} notification.state frames per change over ${users} sockets`,
          },
        ],
        notes: [
          `seeded ${users * perUser} notifications straight into MySQL in ${fixed(seedSeconds, 1)} s; load driven from the bench process itself (fetch with keep-alive, at most ${MAX_IN_FLIGHT} in flight)`,
          behind > 0 ? `the driver fell ${behind} changes behind the rate (server too slow or the machine too loaded)` : 'the driver kept the rate',
        ],
      };
    } finally {
      for (const socket of sockets) socket.terminate();
      await server.stop();
    }
  },
};

/** Inserts `perUser` notifications for each user (one INSERT each, so ids are consecutive) and returns each user's ids. */
async function seed(databaseUrl: string, users: readonly string[], perUser: number): Promise<string[][]> {
  const connection = await createConnection({ uri: databaseUrl, timezone: 'Z' });
  try {
    const ids: string[][] = [];
    const now = Date.now();
    for (const user of users) {
      const rows: unknown[] = [];
      for (let i = 0; i < perUser; i++) {
        const created = new Date(now - (perUser - i) * 60_000);
        const read = i % 10 >= 4 ? created : null;
        rows.push(user, 'bench.counts', '{}', created, read, read, CATEGORIES[i % CATEGORIES.length]);
      }
      const [result] = await connection.query(
        `INSERT INTO notifications (recipient, type, payload, created_at, read_at, seen_at, category) VALUES ${Array(perUser).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        rows,
      );
      const first = BigInt((result as { insertId: number | string }).insertId);
      ids.push(Array.from({ length: perUser }, (_, i) => (first + BigInt(i)).toString()));
    }
    // Seeded rows are the backlog of a running inbox, not news: the relay starts after them.
    await connection.query("UPDATE outbox_cursors SET position = (SELECT MAX(id) FROM notifications) WHERE stream = 'notifications'");
    return ids;
  } finally {
    await connection.end();
  }
}
