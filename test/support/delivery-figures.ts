import { Id } from './delivery-audit';
import { TestClient } from './ws-client';

/** Records when each notification id first reached the socket (`performance.now()`). */
export function arrivalsOf(client: TestClient): Map<Id, number> {
  const arrivals = new Map<Id, number>();
  client.socket.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString('utf8')) as { event: string; data: { id?: Id } };
    if (frame.event === 'notification' && frame.data.id !== undefined && !arrivals.has(frame.data.id)) arrivals.set(frame.data.id, performance.now());
  });
  return arrivals;
}

/** The value at `fraction` (0..1) of the sorted `values`, rounded: milliseconds for the figures below. */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]);
}

/** Prints one scenario's measured figures as a `delivery-faults:` line; docs/delivery.md quotes them. */
export function reportFigures(scenario: string, figures: Record<string, unknown>): void {
  console.log(`delivery-faults: ${scenario} ${JSON.stringify(figures)}`);
}
