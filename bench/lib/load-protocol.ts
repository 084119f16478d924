/**
 * Messages between the coordinator (bench/run.ts) and its load-client child
 * processes (bench/lib/load-client.ts), over the fork() IPC channel. Every
 * request carries an `id`; the child answers `{id, ok, result | error}`.
 */

/** Opens authenticated sockets for users `first .. first+count-1` and waits for their `ready` frames. */
export interface ConnectCommand {
  op: 'connect';
  /** `ws://host:port/ws` of the server (instance) these sockets use. */
  url: string;
  /** Source address for these sockets (127.0.0.x), so no one address runs out of ephemeral ports. */
  localAddress?: string;
  secret: string;
  userPrefix: string;
  first: number;
  count: number;
  /** User indexes among them that act as slow consumers (`pause`). */
  slow: number[];
  /** Upgrades in flight at once. */
  concurrency: number;
}

/** Starts counting frames of one phase (the payload's `ph`) and clears earlier counts. */
export interface PhaseCommand {
  op: 'phase';
  phase: number;
}

/** Stops reading from TCP on the slow sockets (`pause`) or starts again (`resume`). */
export interface FlowCommand {
  op: 'pause' | 'resume';
}

/** `progress`: counters only; `collect`: counters and histograms; `close`: terminate every socket. */
export interface SimpleCommand {
  op: 'progress' | 'collect' | 'close';
}

/** What a publisher sends; see `payloadFor` in publisher.ts for each kind's recipients. */
export interface PublishCommand {
  op: 'publish';
  /** Base URLs (`http://host:port`); publishes go round-robin over them. */
  targets: string[];
  token: string;
  kind: 'broadcast' | 'targeted' | 'batch' | 'bulk' | 'race';
  count: number;
  concurrency: number;
  phase: number;
  /** Number of users (recipients are user indexes below it). */
  users: number;
  userPrefix: string;
  /** Recipients per POST for `batch`. */
  batchSize: number;
  /** Filler characters added to the payload. */
  padBytes: number;
  /** Recipients of `bulk` POSTs. */
  bulkUsers: number[];
}

export type Command = ConnectCommand | PhaseCommand | FlowCommand | SimpleCommand | PublishCommand;
export type Request = Command & { id: number };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * The payload of every measured notification: `seq` (per phase), `t` (send
 * time, µs on CLOCK_MONOTONIC), `ph` (phase), and for targeted and batch
 * POSTs the recipients as a user-index range `[r, r + n)`; `bulk` frames are
 * only counted.
 */
export interface BenchPayload {
  seq: number;
  t: number;
  ph: number;
  r?: number;
  n?: number;
  bulk?: 1;
  pad?: string;
}

export interface ConnectResult {
  ready: number;
  failed: number;
  /** First upgrade request and last `ready`, µs on CLOCK_MONOTONIC. */
  startedMicros: number;
  endedMicros: number;
  errors: Record<string, number>;
}

export interface ReceiveProgress {
  /** Distinct (socket, seq) deliveries of the phase to normal sockets. */
  unique: number;
  /** The same for slow sockets. */
  uniqueSlow: number;
  duplicates: number;
  /** Frames that reached a socket whose user was not a recipient. */
  misdelivered: number;
  /** Frames of another phase or not ours. */
  stray: number;
  bulkFrames: number;
  lastReceiptMicros: number;
  open: number;
  /** Close codes seen so far, `normal` and `slow` sockets apart. */
  closes: { normal: Record<string, number>; slow: Record<string, number> };
}

export interface ReceiveResult extends ReceiveProgress {
  /** Send-to-receipt latency histograms, encoded (latency.ts). */
  normalLatency: string;
  slowLatency: string;
}

export interface PublishResult {
  ok: number;
  failed: number;
  /** Responses by status code or error code. */
  statuses: Record<string, number>;
  /** Recipients of the successful publishes (broadcasts count 0). */
  okRecipients: number;
  startedMicros: number;
  endedMicros: number;
  /** REST round-trip histogram, encoded. */
  requestLatency: string;
}

export function userId(prefix: string, index: number): string {
  return `${prefix}${index}`;
}
