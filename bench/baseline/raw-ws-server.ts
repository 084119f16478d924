import { createSecretKey } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { JwtPayload, verify } from 'jsonwebtoken';
import { createPool, ResultSetHeader } from 'mysql2/promise';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * The benchmark's baseline: the least a server can do and still speak
 * Herald's protocol for the benchmarked paths. Raw `ws` on node:http; the
 * JWT (HS256 pinned, `exp` required) is checked at the upgrade; groups are
 * in-process `Map<string, Set<WebSocket>>` (the user's group and the
 * broadcast group); `ready` after joining; `POST /notifications` and
 * `POST /notifications/broadcast` do one mysql2 INSERT (multi-row for many
 * recipients) into its own table, then send a pre-serialized frame to the
 * group's sockets. It keeps Herald's frame cap, 1013 for a send backlog over
 * 1 MiB, 4401 at `exp`, the 30 s heartbeat and the indexes of Herald's
 * notifications table, so per-socket and per-row costs compare.
 *
 * Env: PORT, HOST, DATABASE_URL, JWT_SECRET.
 */
const PORT = Number(process.env.PORT ?? 3100);
const HOST = process.env.HOST ?? '127.0.0.1';
// A KeyObject, not the string: jsonwebtoken 9 first tries to parse a string key as a PEM public key
// (createPublicKey, which throws) on every verify, which costs more than the HMAC itself.
const SECRET = createSecretKey(Buffer.from(required('JWT_SECRET')));
const MAX_BUFFERED_BYTES = 1_048_576;
const HEARTBEAT_MS = 30_000;
const BODY_LIMIT_BYTES = 2_097_152;
const BROADCAST = 'broadcast';

interface Claims extends JwtPayload {
  sub: string;
  exp: number;
  roles?: string[];
}

const pool = createPool({ uri: required('DATABASE_URL'), connectionLimit: 20, timezone: 'Z', supportBigNumbers: true });
const groups = new Map<string, Set<WebSocket>>();
const alive = new WeakMap<WebSocket, boolean>();
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function claimsOf(token: string | undefined): Claims | null {
  if (!token) return null;
  try {
    const claims = verify(token, SECRET, { algorithms: ['HS256'] }) as Claims;
    return typeof claims.sub === 'string' && typeof claims.exp === 'number' ? claims : null;
  } catch (error) {
    if ((error as Error).name === 'JsonWebTokenError' || (error as Error).name === 'TokenExpiredError') return null;
    throw error;
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer +(\S+)$/i.exec(header)?.[1];
  return new URL(request.url ?? '/', 'http://x').searchParams.get('access_token') ?? undefined;
}

function join(group: string, ws: WebSocket): void {
  let sockets = groups.get(group);
  if (!sockets) groups.set(group, (sockets = new Set()));
  sockets.add(ws);
}

function leave(group: string, ws: WebSocket): void {
  const sockets = groups.get(group);
  if (sockets?.delete(ws) && sockets.size === 0) groups.delete(group);
}

function deliver(group: string, frame: string): void {
  const sockets = groups.get(group);
  if (!sockets) return;
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.close(1013, 'send buffer full');
    else ws.send(frame);
  }
}

function notificationFrame(id: string, type: string, actor: string | null, payload: unknown, createdAt: Date): string {
  return JSON.stringify({ event: 'notification', data: { id, type, actor, payload, createdAt: createdAt.toISOString(), readAt: null } });
}

async function insert(rows: Array<[string | null, string, string | null, string, Date]>): Promise<bigint> {
  const [result] = await pool.query<ResultSetHeader>('INSERT INTO baseline_notifications (recipient, type, actor, payload, created_at) VALUES ?', [rows]);
  return BigInt(result.insertId);
}

async function handlePost(request: IncomingMessage, response: ServerResponse, body: string): Promise<void> {
  const claims = claimsOf(bearer(request));
  if (!claims) return reply(response, 401, { statusCode: 401, message: 'Unauthorized' });
  const input = JSON.parse(body) as { recipients?: unknown; type?: unknown; actor?: string; payload?: unknown };
  if (typeof input.type !== 'string') return reply(response, 400, { statusCode: 400, message: 'type must be a string' });
  const roles = claims.roles ?? [];
  const actor = input.actor ?? null;
  const payload = input.payload ?? {};
  const payloadText = JSON.stringify(payload);
  const createdAt = new Date();
  if (request.url === '/notifications/broadcast') {
    if (!roles.includes('admin')) return reply(response, 403, { statusCode: 403, message: 'Forbidden' });
    const id = (await insert([[null, input.type, actor, payloadText, createdAt]])).toString();
    deliver(BROADCAST, notificationFrame(id, input.type, actor, payload, createdAt));
    return reply(response, 201, { id });
  }
  if (!roles.includes('service') && !roles.includes('admin')) return reply(response, 403, { statusCode: 403, message: 'Forbidden' });
  const recipients = input.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > 10_000 || !recipients.every((r) => typeof r === 'string')) {
    return reply(response, 400, { statusCode: 400, message: 'recipients must be 1-10000 strings' });
  }
  const first = await insert(recipients.map((recipient: string) => [recipient, input.type as string, actor, payloadText, createdAt]));
  const ids = recipients.map((_, i) => (first + BigInt(i)).toString());
  recipients.forEach((recipient: string, i) => deliver(`user:${recipient}`, notificationFrame(ids[i], input.type as string, actor, payload, createdAt)));
  reply(response, 201, { ids });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && (request.url === '/health' || request.url === '/health/ready')) return reply(response, 200, { status: 'ok' });
  if (request.method !== 'POST' || (request.url !== '/notifications' && request.url !== '/notifications/broadcast')) {
    return reply(response, 404, { statusCode: 404, message: 'Not Found' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > BODY_LIMIT_BYTES) return reply(response, 413, { statusCode: 413, message: 'Payload Too Large' });
    handlePost(request, response, Buffer.concat(chunks).toString('utf8')).catch((error: Error) => {
      if (error instanceof SyntaxError) return reply(response, 400, { statusCode: 400, message: 'invalid JSON' });
      console.error(error);
      reply(response, 500, { statusCode: 500, message: 'Internal Server Error' });
    });
  });
});
server.keepAliveTimeout = 65_000;

server.on('upgrade', (request, socket, head) => {
  const claims = new URL(request.url ?? '/', 'http://x').pathname === '/ws' ? claimsOf(bearer(request)) : null;
  if (!claims) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="herald", error="invalid_token"\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => {
    const userGroup = `user:${claims.sub}`;
    join(userGroup, ws);
    join(BROADCAST, ws);
    alive.set(ws, true);
    const expiry = setTimeout(() => ws.close(4401, 'token expired'), Math.max(0, claims.exp * 1000 - Date.now()));
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', () => ws.send('{"event":"error","data":{"code":"unknown_event","message":"the baseline handles no client events"}}'));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(expiry);
      leave(userGroup, ws);
      leave(BROADCAST, ws);
    });
    ws.send(JSON.stringify({ event: 'ready', data: { user: claims.sub } }));
  });
});

setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.get(ws)) {
      ws.terminate();
      continue;
    }
    alive.set(ws, false);
    ws.ping();
  }
}, HEARTBEAT_MS).unref();

async function main(): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS baseline_notifications (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    recipient VARCHAR(128) NULL, type VARCHAR(128) NOT NULL, actor VARCHAR(128) NULL,
    payload TEXT NOT NULL, created_at DATETIME(3) NOT NULL, read_at DATETIME(3) NULL,
    KEY recipient_id (recipient, id), KEY recipient_read (recipient, read_at, id)) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_bin`);
  server.listen(PORT, HOST, () => console.log(`baseline listening on ${HOST}:${PORT}`));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
