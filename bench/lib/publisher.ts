import { Agent, request } from 'node:http';
import { encodeHistogram, newHistogram } from './latency';
import { BenchPayload, PublishCommand, PublishResult, userId } from './load-protocol';
import { nowMicros } from './proc-stats';

const REQUEST_TIMEOUT_MS = 30_000;

interface Post {
  path: string;
  body: string;
  recipients: number;
  /** Sent as `Idempotency-Key` (`race` POSTs). */
  idempotencyKey?: string;
}

/** Concurrent retries of one POST with one `Idempotency-Key` per `race` publish, as docs/rest.md tells a client to retry after a 503. */
const RACE_RETRIES = 3;

/**
 * Publishes `count` notifications over REST with `concurrency` requests in
 * flight (closed loop), on keep-alive connections, round-robin over the
 * targets. The send timestamp in each payload is taken just before its
 * request is written.
 */
export async function publish(command: PublishCommand): Promise<PublishResult> {
  // A race needs its retries on separate connections, or they would queue behind one another.
  const socketsPerTarget = command.kind === 'race' ? command.concurrency * RACE_RETRIES : command.concurrency;
  const agents = command.targets.map(() => new Agent({ keepAlive: true, maxSockets: socketsPerTarget }));
  const latency = newHistogram();
  const statuses: Record<string, number> = {};
  const pad = command.padBytes > 0 ? 'x'.repeat(command.padBytes) : undefined;
  let next = 0;
  let ok = 0;
  let okRecipients = 0;
  const startedMicros = nowMicros();
  const worker = async (): Promise<void> => {
    while (next < command.count) {
      const seq = next++;
      const target = seq % command.targets.length;
      const sentAt = nowMicros();
      const post = postFor(command, seq, sentAt, pad);
      // A race is RACE_RETRIES identical requests at once: one stores, the others roll back and replay its answer.
      const status =
        command.kind === 'race'
          ? (await Promise.all(Array.from({ length: RACE_RETRIES }, () => send(agents[target], command.targets[target], post, command.token))))[0]
          : await send(agents[target], command.targets[target], post, command.token);
      latency.recordValue(Math.max(1, nowMicros() - sentAt));
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === '201') {
        ok++;
        okRecipients += post.recipients;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  const endedMicros = nowMicros();
  for (const agent of agents) agent.destroy();
  return { ok, failed: command.count - ok, statuses, okRecipients, startedMicros, endedMicros, requestLatency: encodeHistogram(latency) };
}

/**
 * `broadcast`: POST /notifications/broadcast. `targeted`: one recipient,
 * user `seq mod users`. `batch`: `batchSize` consecutive users. `bulk`: the
 * `bulkUsers`, frames only counted (slow-consumer pressure). `race`: one
 * recipient (`bulkUsers[0]`, a user without a socket) with a fresh
 * `Idempotency-Key` per publish, sent `RACE_RETRIES` times at once.
 */
function postFor(command: PublishCommand, seq: number, t: number, pad: string | undefined): Post {
  const payload: BenchPayload = { seq, t, ph: command.phase };
  if (pad) payload.pad = pad;
  if (command.kind === 'broadcast') {
    return { path: '/notifications/broadcast', body: JSON.stringify({ type: 'bench.broadcast', payload }), recipients: 0 };
  }
  let users: number[];
  if (command.kind === 'race') {
    const recipients = [userId(command.userPrefix, command.bulkUsers[0])];
    return {
      path: '/notifications',
      body: JSON.stringify({ recipients, type: 'bench.race', actor: 'bench', payload: { ...payload, ph: -1 } }),
      recipients: 1,
      idempotencyKey: `${command.userPrefix}-race-${command.phase}-${seq}`,
    };
  }
  if (command.kind === 'bulk') {
    payload.bulk = 1;
    users = command.bulkUsers;
  } else {
    const size = command.kind === 'batch' ? command.batchSize : 1;
    payload.r = (seq * size) % command.users;
    payload.n = size;
    users = Array.from({ length: size }, (_, i) => payload.r! + i);
  }
  const recipients = users.map((user) => userId(command.userPrefix, user));
  return { path: '/notifications', body: JSON.stringify({ recipients, type: `bench.${command.kind}`, actor: 'bench', payload }), recipients: users.length };
}

function send(agent: Agent, base: string, post: Post, token: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(new URL(post.path, base), {
      method: 'POST',
      agent,
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(post.body),
        ...(post.idempotencyKey ? { 'idempotency-key': post.idempotencyKey } : {}),
      },
    });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(post.body);
  });
}
