import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, OwnedProcess, waitUntilReady } from './owned-process';

/** Attempts at finding a port nobody else grabbed between probing and binding. */
const PORT_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 15_000;

/**
 * A `redis-server` only this test uses, for destructive fault tests (the
 * shared Redis on 6379 is never stopped). No persistence: a restart comes
 * back empty, like a Redis that lost its memory.
 */
export class PrivateRedis {
  private server: OwnedProcess | undefined;

  private constructor(
    /** The TCP port on 127.0.0.1; the same across `stop()` and `start()`. */
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** `redis://127.0.0.1:<port>/0` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** The running server's process id; undefined while stopped. */
  get pid(): number | undefined {
    return this.server?.running ? this.server.pid : undefined;
  }

  /** @internal Use `startPrivateRedis()`. */
  static async create(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'herald-redis-'));
    let lastError: unknown;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const redis = new PrivateRedis(await freePort(), dir);
      try {
        await redis.start();
        return redis;
      } catch (error) {
        lastError = error;
        if (!(error instanceof Error && /Address already in use/.test(error.message))) break;
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  /**
   * Starts the server on `port` and resolves once it answers PING.
   * @throws when it is already running, exits (e.g. the port was taken in the meantime) or is not ready within 15 s.
   */
  async start(): Promise<void> {
    if (this.server?.running) throw new Error(`private Redis on ${this.port} is already running`);
    // Options as arguments, not a file: no RDB/AOF persistence, no daemon (the child is ours to signal).
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ];
    const server = OwnedProcess.spawn(`redis-server on ${this.port}`, 'redis-server', args, { cwd: this.dir });
    this.server = server;
    try {
      await waitUntilReady(`private Redis on ${this.port} answering PING`, server, () => ping(this.port), { timeoutMs: READY_TIMEOUT_MS });
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** SIGTERM (Redis exits without saving), SIGKILL after 10 s; resolves once it has exited. No-op while stopped. */
  async stop(): Promise<void> {
    await this.server?.stop();
  }

  /**
   * SIGSTOP: the server stays up but stops answering, like a hung host. The
   * kernel still completes TCP handshakes into the listen backlog, so
   * clients connect and then time out. No-op while stopped.
   */
  freeze(): void {
    this.server?.kill('SIGSTOP');
  }

  /** SIGCONT: a frozen server answers again (queued requests first). */
  thaw(): void {
    this.server?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash; resolves once it has exited. No-op while stopped. */
  async kill(): Promise<void> {
    this.server?.kill('SIGKILL');
    await this.server?.exited;
  }

  /** Stops the server and removes its directory; safe to call more than once and after a failed start. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts a private `redis-server` on a free 127.0.0.1 port in a temporary
 * directory. Call `dispose()` in `afterAll`; if the test process dies
 * first, the kernel kills the server with it.
 */
export function startPrivateRedis(): Promise<PrivateRedis> {
  return PrivateRedis.create();
}

/** True when a fresh connection gets `+PONG` (not `-LOADING`) within `timeoutMs`. */
function ping(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const settle = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(timeoutMs, () => settle(false));
    socket.on('error', () => settle(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) settle(reply.startsWith('+PONG'));
    });
  });
}
