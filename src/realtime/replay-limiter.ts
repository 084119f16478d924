import { ReplayStats } from '../metrics/herald-metrics';

/**
 * Admission for catch-up queries: at most `concurrency` run against the
 * database at once, shared by every socket of the instance (a resume's
 * `since` replay and the catch-up after a broadcaster interruption alike),
 * the rest wait their turn in arrival order. A reconnect storm of N
 * sockets then costs the database N queries, never N at once: the
 * admission control of Centrifugo's and Socket.IO's recovery guidance,
 * without refusing anyone.
 */
export class ReplayLimiter {
  private running = 0;
  private peak = 0;
  private started = 0;
  private delayed = 0;
  private readonly waiting: Array<() => void> = [];

  /** @param concurrency `REPLAY_CONCURRENCY`, at least 1. */
  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`replay concurrency must be a positive integer, got ${concurrency}`);
  }

  /** Runs `query` once a turn is free; its result or error is the caller's. */
  async run<T>(query: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    // The finishing query hands its turn over directly: `running` stays counted.
    else {
      this.delayed++;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.started++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await query();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** The figures `herald_catch_up_*` exports. */
  stats(): ReplayStats {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak, started: this.started, delayed: this.delayed };
  }
}
