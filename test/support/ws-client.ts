import WebSocket, { ClientOptions } from 'ws';
import { ServerEventMap, ServerEventName, ServerFrame } from '../../src/common/server-frame';

/** A recorded server frame; `data` is typed by `ServerEventMap` once narrowed by `event`. */
export type Frame = ServerFrame;

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Sent as `?access_token=` instead. */
  queryToken?: string;
  headers?: Record<string, string>;
  /** Answer server pings (default true); false simulates a dead peer. */
  autoPong?: boolean;
  /** Sent as `?since=`: resume after this notification id. */
  since?: string;
  /** How long `connect` waits for `ready`, in ms (default 5,000). */
  readyTimeoutMs?: number;
}

/**
 * A real `ws` client that records every frame, for e2e tests. Waiting is
 * event-driven with a timeout, never a sleep.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('server sent a binary frame');
      this.frames.push(JSON.parse(raw.toString('utf8')) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
  }

  /** Opens a socket and waits for `ready`. Rejects with the HTTP status when the upgrade is refused. */
  static async connect(wsUrl: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = TestClient.open(wsUrl, options);
    await client.next('ready', () => true, options.readyTimeoutMs);
    return client;
  }

  /** Opens a socket without waiting for anything. */
  static open(wsUrl: string, options: ConnectOptions = {}): TestClient {
    const url = new URL(wsUrl);
    if (options.queryToken) url.searchParams.set('access_token', options.queryToken);
    if (options.since !== undefined) url.searchParams.set('since', options.since);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const clientOptions: ClientOptions = { headers, autoPong: options.autoPong ?? true };
    return new TestClient(new WebSocket(url.toString(), clientOptions));
  }

  /**
   * Resolves with the data of the first recorded frame of `event` matching
   * `predicate`, waiting up to `timeoutMs` for it to arrive.
   */
  async next<E extends ServerEventName>(event: E, predicate: (data: ServerEventMap[E]) => boolean = () => true, timeoutMs = 5_000): Promise<ServerEventMap[E]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all(event).find(predicate);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed before ${event} arrived; frames: ${JSON.stringify(this.frames)}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${event} frame within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** All recorded frames of one event. */
  all<E extends ServerEventName>(event: E): Array<ServerEventMap[E]> {
    // The server's frames are trusted to match the map; e2e assertions check their content.
    return this.frames.filter((frame) => frame.event === event).map((frame) => frame.data as ServerEventMap[E]);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}

/** Attempts an upgrade and resolves with the HTTP status it was refused with, or 101 when accepted. */
export function upgradeStatus(wsUrl: string, options: ConnectOptions = {}): Promise<number> {
  const client = TestClient.open(wsUrl, options);
  return new Promise((resolve, reject) => {
    client.socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      client.socket.terminate();
    });
    client.socket.on('open', () => {
      resolve(101);
      client.socket.close();
    });
    client.socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
