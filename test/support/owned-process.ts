import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** How a child process ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The most recent output kept per process, for failure messages. */
const OUTPUT_LIMIT_CHARS = 64 * 1024;
/**
 * util-linux `setpriv --pdeathsig` makes the kernel SIGKILL the child when
 * the test process dies, so a crashed or killed jest run leaves no server
 * behind even when `afterAll` never ran.
 */
const SETPRIV = '/usr/bin/setpriv';

/**
 * A child process a test owns (never a shared server): spawned with its
 * stdout and stderr collected, stopped politely with a bounded wait, and
 * killed with the test process.
 */
export class OwnedProcess {
  /** Settles once the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private collected = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
  ) {
    const collect = (chunk: Buffer) => {
      this.collected = (this.collected + chunk.toString('utf8')).slice(-OUTPUT_LIMIT_CHARS);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        collect(Buffer.from(`spawn failed: ${error.message}\n`));
        this.status = { code: null, signal: null };
        resolve(this.status);
      });
      child.on('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  /**
   * Starts `command` with exactly `env` (nothing inherited); `name` labels
   * failure messages. `user` runs it under that uid and gid with no
   * supplementary groups (needs root and setpriv).
   */
  static spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; user?: { uid: number; gid: number } } = {},
  ): OwnedProcess {
    // One setpriv for both: a credential change after --pdeathsig would clear it.
    const user = options.user ? [`--reuid=${options.user.uid}`, `--regid=${options.user.gid}`, '--clear-groups'] : [];
    if (options.user && !existsSync(SETPRIV)) throw new Error(`running ${name} as uid ${options.user.uid} needs ${SETPRIV}`);
    const [file, argv] = existsSync(SETPRIV) ? [SETPRIV, [...user, '--pdeathsig', 'SIGKILL', command, ...args]] : [command, [...args]];
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new OwnedProcess(child, name);
  }

  /** The operating system process id (setpriv execs, so it is the server's own). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the process has exited. */
  get running(): boolean {
    return this.status === undefined;
  }

  /** The last 64 KiB of stdout and stderr, interleaved as they arrived. */
  output(): string {
    return this.collected;
  }

  /** Sends `signal` (default SIGKILL) unless the process has already exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL when the process has not exited within `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    this.kill('SIGTERM');
    // A frozen (SIGSTOPped) process would hold SIGTERM pending until the grace ran out.
    this.kill('SIGCONT');
    if (await this.exitedWithin(graceMs)) return this.exited;
    this.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Resolves with the exit status once the process exits by itself.
   * @throws after SIGKILLing it when it is still running after `timeoutMs`.
   */
  async waitForExit(timeoutMs: number): Promise<ExitStatus> {
    if (await this.exitedWithin(timeoutMs)) return this.exited;
    this.kill('SIGKILL');
    await this.exited;
    throw new Error(`${this.name} did not exit within ${timeoutMs} ms and was killed; output:\n${this.collected}`);
  }

  private async exitedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return Promise.race([this.exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }

  /** Describes the exit and the collected output, for an error message. */
  describe(): string {
    const status = this.status ? `exited (code ${this.status.code}, signal ${this.status.signal})` : 'running';
    return `${this.name} ${status}; output:\n${this.collected || '(none)'}`;
  }
}

/**
 * A TCP port free on 127.0.0.1 right now: bound on port 0, then released.
 * Another process may take it before the caller binds it, so callers retry
 * on a collision.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Calls `probe` every `intervalMs` until it resolves true. Rejects when
 * `timeoutMs` elapses, or as soon as `child` exits, with its output in
 * the message. A probe that throws counts as not ready yet.
 */
export async function waitUntilReady(
  what: string,
  child: OwnedProcess,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running) throw new Error(`${what} failed: ${child.describe()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms; ${child.describe()}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([child.exited, new Promise((resolve) => (timer = setTimeout(resolve, intervalMs)))]);
    clearTimeout(timer);
  }
}
