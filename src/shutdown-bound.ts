import { Logger } from '@nestjs/common';

/**
 * Longest a graceful shutdown may take, in ms: refuse upgrades, relay what
 * this instance committed, close sockets with 1001 (2 s grace), close the
 * broadcaster and the database. Past it the process exits anyway. The
 * cluster primary waits a little longer than this for its workers.
 */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Arms the shutdown bound on the first SIGTERM or SIGINT; Nest's own hooks do the graceful part. */
export function exitWithinShutdownBound(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        new Logger('Herald').error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
    });
  }
}
