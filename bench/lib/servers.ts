import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const REPO = join(__dirname, '..', '..', '..');

/** What to start: Herald (optionally as a cluster of workers) or the raw `ws` baseline. */
export interface ServerSpec {
  kind: 'herald' | 'baseline';
  port: number;
  /** `HERALD_WORKERS`; Herald only. */
  workers?: number;
  /** `REDIS_CLUSTER_NODES` instead of the run's `REDIS_URL`; Herald only. */
  redisClusterNodes?: string;
  /** More variables for Herald (e.g. `REPLAY_CONCURRENCY`). */
  env?: Record<string, string>;
  /** Another checkout whose built Herald (`dist/src/main.js`) runs instead of this one's (`BENCH_COMPARE_REPO`); Herald only. */
  repo?: string;
  /** Write a V8 CPU profile of the run to this file (`--cpu-prof`). */
  profileFile?: string;
  logFile: string;
}

/** Settings shared by every server of a run. */
export interface ServerEnvironment {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
}

/** Every child the coordinator started, killed on exit whatever happens. */
export const children = new Set<ChildProcess>();

/** One server under test, in its own process, listening on 127.0.0.1. */
export class ServerProcess {
  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async start(spec: ServerSpec, environment: ServerEnvironment): Promise<ServerProcess> {
    const script = spec.kind === 'herald' ? join(spec.repo ?? REPO, 'dist', 'src', 'main.js') : join(REPO, 'dist', 'bench', 'baseline', 'raw-ws-server.js');
    const execArgv = ['--expose-gc', '-r', join(__dirname, 'server-preload.js')];
    if (spec.profileFile) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(spec.profileFile, '..')}`, `--cpu-prof-name=${spec.profileFile.split('/').pop()}`);
    const log = openSync(spec.logFile, 'a');
    const child = spawn(process.execPath, [...execArgv, script], {
      // Not the repository: a developer's .env there would be read by Herald.
      cwd: dirname(spec.logFile),
      env: serverEnv(spec, environment),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    children.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => children.delete(child));
    const server = new ServerProcess(spec, child, exited);
    await server.waitReady();
    return server;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.spec.port}/ws`;
  }

  /** SIGKILL, as a crash; resolves once the process has exited. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops gracefully (SIGTERM; SIGUSR2 when profiling, so the profile is written), then SIGKILL. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(this.spec.profileFile ? 'SIGUSR2' : 'SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        const response = await fetch(`${this.httpUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch (error) {
        // Not listening yet: fetch failed to connect.
        if (!(error instanceof TypeError) && (error as Error).name !== 'TimeoutError') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    this.child.kill('SIGKILL');
    const tail = readFileSync(this.spec.logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${this.spec.kind} on port ${this.spec.port} did not become ready:\n${tail}`);
  }
}

/** A clean environment: nothing inherited but PATH and HOME, so a developer's .env or NODE_OPTIONS cannot skew a run. */
function serverEnv(spec: ServerSpec, environment: ServerEnvironment): NodeJS.ProcessEnv {
  const common = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(spec.port), HOST: '127.0.0.1' };
  if (spec.kind === 'baseline') return { ...common, DATABASE_URL: environment.databaseUrl, JWT_SECRET: environment.jwtSecret };
  return {
    ...common,
    DATABASE_URL: environment.databaseUrl,
    ...(spec.redisClusterNodes ? { REDIS_CLUSTER_NODES: spec.redisClusterNodes } : { REDIS_URL: environment.redisUrl }),
    REDIS_PREFIX: environment.redisPrefix,
    JWT_SECRET: environment.jwtSecret,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000',
    // Load clients open thousands of sockets from each of a few addresses.
    WS_UPGRADES_PER_MINUTE: '10000000',
    WS_HEARTBEAT_MS: '30000',
    WS_MAX_BUFFERED_BYTES: '1048576',
    HERALD_WORKERS: String(spec.workers ?? 1),
    ...spec.env,
  };
}
