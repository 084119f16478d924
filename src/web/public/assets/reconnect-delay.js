/**
 * Reconnect delays of the web client: exponential backoff with "equal
 * jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"), the
 * same rule as the terminal client's `Backoff`. The ceiling starts at
 * 500 ms and doubles per failed attempt up to 10 s; each delay is uniform
 * in [ceiling / 2, ceiling), so the thousands of tabs an instance drops at
 * once come back spread out instead of in lockstep.
 */

/** Ceiling of the first retry, in ms. */
export const BACKOFF_BASE_MS = 500;
/** Cap on every ceiling, in ms. */
export const BACKOFF_CAP_MS = 10_000;

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry), in ms.
 * @param {number} attempt failed attempts since the last connection that lasted
 * @param {() => number} random uniform in [0, 1)
 * @returns {number}
 */
export function reconnectDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
