import { Exposition, parseExposition } from './prometheus-text';

/** `GET /metrics` of any Herald by base URL (in-process or a child process, no `METRICS_TOKEN`), parsed. */
export async function scrapeMetrics(baseUrl: string): Promise<Exposition> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return parseExposition(await response.text());
}
