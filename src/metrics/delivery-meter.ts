import { DeliveryMeter } from './herald-metrics';

/** The `createdAt` key of a notification frame, as `encodeFrame` writes it. */
const CREATED_AT = Buffer.from('"createdAt":"');

/**
 * The delivery meter behind `herald_deliveries_total` and
 * `herald_delivery_latency_seconds`. Each socket write costs an integer
 * increment; the count is handed to the counter at scrape time (`take`).
 * Latency is observed once per frame, at its first socket write on this
 * instance: a fan-out hands the same Buffer to every socket in one
 * synchronous loop, so a later socket adds only that loop's time.
 */
export class BatchedDeliveryMeter implements DeliveryMeter {
  private pending = 0;
  private lastFrame: Buffer | null = null;

  constructor(
    /** Receives seconds from the notification's `createdAt` to now, never negative. */
    private readonly observeLatency: (seconds: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  delivered(frame: Buffer): void {
    this.pending++;
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    const storedAt = storedAtOf(frame);
    if (storedAt !== null) this.observeLatency(Math.max(0, this.now() - storedAt) / 1000);
  }

  /** Deliveries since the previous call. */
  take(): number {
    const count = this.pending;
    this.pending = 0;
    return count;
  }
}

/**
 * The `createdAt` of a `notification` frame, in ms since the epoch (set by
 * the instance that stored it, just before its INSERT), or null. The
 * top-level key is the last one in the frame: `payload`, the only
 * client-shaped part, comes before it, and the sequence `"createdAt":"`
 * cannot occur inside a JSON string (its quotes would be escaped).
 */
export function storedAtOf(frame: Buffer): number | null {
  const at = frame.lastIndexOf(CREATED_AT);
  if (at === -1) return null;
  const start = at + CREATED_AT.length;
  const end = frame.indexOf(0x22, start);
  if (end === -1) return null;
  const ms = Date.parse(frame.toString('latin1', start, end));
  return Number.isNaN(ms) ? null : ms;
}
