/** Where a notification was stored for: one recipient (`POST /notifications`) or everyone (`/broadcast`). */
export type StoredKind = 'targeted' | 'broadcast';

/**
 * Counts notification frames as they are written to sockets. Called once
 * per socket write on the fan-out path, so an implementation does as
 * little as it can there.
 */
export interface DeliveryMeter {
  /** `frame` (a `notification` frame, shared by every socket it fans out to) was just written to one socket. */
  delivered(frame: Buffer): void;
}

/** A query admission of an instance (`ReplayLimiter`: catch-up under `REPLAY_CONCURRENCY`, counts), read at each scrape; the names are the catch-up metrics, `herald_counts_queries_*` alike. */
export interface ReplayStats {
  /** Catch-up queries running now (`herald_catch_up_queries_running`). */
  readonly running: number;
  /** Catch-up queries waiting for a turn now (`herald_catch_up_queries_waiting`). */
  readonly waiting: number;
  /** The most that ever ran at once on this instance (`herald_catch_up_queries_peak`); never above the limit. */
  readonly peak: number;
  /** Catch-up queries started since the instance started (`herald_catch_up_queries_total`). */
  readonly started: number;
  /** Of those, the ones that had to wait for a turn (`herald_catch_up_queries_delayed_total`): the limit was reached. */
  readonly delayed: number;
}

/**
 * What features record for operators, behind which sits the exporter
 * (Prometheus, `GET /metrics`). Every method is cheap and never throws;
 * no argument is a user id.
 */
export interface HeraldMetrics {
  /** Meter for notification frames written to sockets (`herald_deliveries_total`, `herald_delivery_latency_seconds`). */
  readonly deliveries: DeliveryMeter;

  /** `count` notifications were committed (`herald_notifications_stored_total{kind}`); a replayed `Idempotency-Key` stores none. */
  notificationsStored(kind: StoredKind, count: number): void;

  /** A WebSocket upgrade was refused with this HTTP status (400, 401, 403 or 503) (`herald_ws_upgrades_refused_total{reason}`). */
  upgradeRefused(status: number): void;

  /** Reports open sockets through `count`, read at each scrape (`herald_ws_connections`); the last registration wins. */
  observeConnections(count: () => number): void;

  /** Reports the catch-up query admission through `stats`, read at each scrape; the last registration wins. */
  observeReplays(stats: () => ReplayStats): void;

  /** Reports the counts query admission (`LiveCounts`, `herald_counts_queries_*`) through `stats`, read at each scrape; the last registration wins. */
  observeCountsQueries(stats: () => ReplayStats): void;
}

/** Injection token for the `HeraldMetrics` in use. */
export const HERALD_METRICS = Symbol('HERALD_METRICS');
