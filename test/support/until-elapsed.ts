/**
 * Resolves once `ms` milliseconds have passed since `since` (a
 * `performance.now()` reading), at once if they already have. For a span
 * the scenario itself prescribes (an outage that lasts 10 s, a TTL that
 * must run out), never to wait for something to happen: wait for its event
 * or state with `next()` or `expectEventually` instead.
 */
export async function untilElapsed(since: number, ms: number): Promise<void> {
  const remaining = since + ms - performance.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}
