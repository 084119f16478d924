import cluster, { Worker } from 'node:cluster';
import { Logger } from 'pino';
import { SHUTDOWN_TIMEOUT_MS } from './shutdown-bound';

/** Signals the primary forwards to every worker, then exits once they have. */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Delay before a worker that died is replaced, in ms. */
const RESTART_DELAY_MS = 1_000;
/** More unexpected exits than this within `RESTART_WINDOW_MS` means a crash loop: stop instead. */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;
/** Workers still running this long after a forwarded signal are killed, in ms: past their own shutdown bound. */
const SHUTDOWN_GRACE_MS = SHUTDOWN_TIMEOUT_MS + 5_000;

/**
 * The cluster primary (`HERALD_WORKERS` > 1): forks the workers, which share
 * the listening port through node:cluster and each run the whole app; replaces
 * a worker that dies; forwards SIGINT/SIGTERM/SIGHUP so every worker shuts
 * down gracefully (1001 to its sockets), then exits. It opens no database or
 * Redis connection itself.
 */
export function runClusterPrimary(workers: number, logger: Logger): void {
  const live = new Set<Worker>();
  const exits: number[] = [];
  let stopping = false;
  let exitCode = 0;

  const fork = (): void => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('online', () => logger.info(`worker ${worker.process.pid} started`));
  };

  const stop = (signal: NodeJS.Signals, code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info(`${signal}: stopping ${live.size} workers`);
    for (const worker of live) worker.process.kill(signal);
    if (live.size === 0) process.exit(exitCode);
    setTimeout(() => {
      logger.error(`workers still running after ${SHUTDOWN_GRACE_MS} ms; killing them`);
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    const now = Date.now();
    exits.push(now);
    while (exits[0] < now - RESTART_WINDOW_MS) exits.shift();
    if (exits.length > MAX_RESTARTS) {
      logger.error(`${exits.length} worker exits within ${RESTART_WINDOW_MS / 1000} s; stopping (see the workers' errors above)`);
      stop('SIGTERM', 1);
      return;
    }
    logger.error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement in ${RESTART_DELAY_MS} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS);
  });

  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => stop(signal, 0));
  logger.info(`starting ${workers} workers (HERALD_WORKERS)`);
  for (let i = 0; i < workers; i++) fork();
}
