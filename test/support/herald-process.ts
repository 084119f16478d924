import { join } from 'node:path';
import { ExitStatus, freePort, OwnedProcess, waitUntilReady } from './owned-process';
import { TEST_JWT_SECRET, unique } from './test-env';

const ROOT = join(__dirname, '..', '..');
/** Attempts at finding a port nobody else grabbed between probing and listening. */
const PORT_ATTEMPTS = 3;
/** Transpiling and booting takes about 2 s on an idle machine; migrations run first. */
const READY_TIMEOUT_MS = 40_000;
const STOP_GRACE_MS = 10_000;

/**
 * Herald's environment for the child. `DATABASE_URL` is required so a
 * missing one fails loudly instead of writing an embedded SQLite file into
 * the repository; any other variable `loadConfig()` reads may be added, and
 * one set to `undefined` is left out (`REDIS_URL: undefined` runs the
 * in-process broadcaster).
 */
export interface HeraldProcessEnv {
  DATABASE_URL: string;
  REDIS_URL?: string;
  [name: string]: string | undefined;
}

/** The real service (`src/main.ts`) running in its own node process. */
export interface HeraldProcess {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Settles when the process exits, however it ends; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` (default SIGKILL) unless the process has exited; await `exited` to see it end. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (Nest's shutdown hooks close the app), SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<ExitStatus>;
  /** The last 64 KiB of its stdout and stderr, for diagnostics. */
  output(): string;
}

/**
 * Runs `node -r test/support/ts-register.js src/main.ts` (no prior `tsc`
 * build) on a free 127.0.0.1 port and resolves once `GET /health` answers
 * 200. The child gets only PATH, `NODE_ENV=test`, `HOST`, `PORT`, the test
 * JWT secret, a unique `REDIS_PREFIX`, `LOG_LEVEL=warn` and `env` (which
 * wins), never the test process's own environment.
 * @throws with the child's output when it exits or is not ready within 40 s.
 */
export async function startHeraldProcess(env: HeraldProcessEnv): Promise<HeraldProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const child = OwnedProcess.spawn(`herald on ${port}`, process.execPath, ['--enable-source-maps', '-r', './test/support/ts-register.js', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_PREFIX: `${unique('herald-process')}:`,
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    try {
      await waitUntilReady(`herald on ${port} answering GET /health`, child, () => healthy(port), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 });
      return heraldProcess(child, port);
    } catch (error) {
      lastError = error;
      await child.stop(STOP_GRACE_MS);
      if (!(error instanceof Error && /EADDRINUSE/.test(error.message))) break;
    }
  }
  throw lastError;
}

function heraldProcess(child: OwnedProcess, port: number): HeraldProcess {
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    pid: child.pid,
    exited: child.exited,
    kill: (signal = 'SIGKILL') => child.kill(signal),
    stop: () => child.stop(STOP_GRACE_MS),
    output: () => child.output(),
  };
}

async function healthy(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return response.status === 200;
}
