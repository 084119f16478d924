/** Reconnect delays, in ms. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry (default 500). */
  initialMs?: number;
  /** Cap on every delay (default 10 000). */
  maxMs?: number;
  /** Source of randomness in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): the ceiling doubles per attempt up to
 * `maxMs`, and each delay is uniform in [ceiling / 2, ceiling), so a fleet
 * of clients dropped at once does not come back in lockstep.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Starts over after a connection that worked. */
  reset(): void {
    this.attempt = 0;
  }
}
