/**
 * Preloaded (`node -r`) into every server the benchmark starts, Herald and
 * baseline alike, without touching their code:
 * - exits when the coordinator that started it is gone (its parent changed),
 *   so an interrupted benchmark never leaves servers behind;
 * - exits at once on SIGUSR2, before any other handler runs, so that
 *   `--cpu-prof` writes its profile (a process killed by a signal does not);
 * - runs a full garbage collection on SIGWINCH (the server runs with
 *   `--expose-gc`), so RSS per socket counts what sockets retain, not the
 *   garbage their handshakes left.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1_000).unref();
process.prependListener('SIGUSR2', () => process.exit(0));
process.on('SIGWINCH', () => (globalThis as { gc?: () => void }).gc?.());
