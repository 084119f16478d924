import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BroadcasterUnavailableError, GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { BatchedDeliveryMeter } from './delivery-meter';
import { HeraldMetrics, ReplayStats, StoredKind } from './herald-metrics';
import { HttpLabel, httpMetricsHook, ResponseHook } from './http-metrics';

/** The `reason` label of `herald_ws_upgrades_refused_total` for each refusal status. */
const REFUSAL_REASONS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'origin_not_allowed',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'shutting_down',
};

/** Stored to written: a live publish takes milliseconds; a broadcaster outage or a publish left to the sweep (after 2 s) takes seconds. */
const DELIVERY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Node's and the process's metrics (prom-client's defaults); see `processMetrics`. */
let processRegistry: Registry | undefined;

/**
 * The process-wide defaults, made at the first scrape: they describe the
 * process, which several apps in one process (a test run) share, and each
 * set runs an event loop monitor and a GC observer that nothing stops.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * `HeraldMetrics` for Prometheus (prom-client), in a registry of this
 * app's own: several apps in one process (the e2e tests) never share a
 * series. The names are the contract's (docs/operations.md lists them).
 */
@Injectable()
export class PrometheusHeraldMetrics implements HeraldMetrics, OnModuleDestroy {
  readonly registry = new Registry();
  readonly deliveries: BatchedDeliveryMeter;
  /** Fastify's `onResponse` hook that times every request; `configureApp` adds it. */
  readonly httpHook: ResponseHook;
  private readonly stored: Counter<'kind'>;
  private readonly refused: Counter<'reason'>;
  private connections: () => number = () => 0;
  private replays: () => ReplayStats = () => NO_QUERIES;
  private countsQueries: () => ReplayStats = () => NO_QUERIES;
  /** False from a broadcaster interruption until its subscriptions are back. */
  private subscribed = true;

  constructor(@Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster) {
    const registers = [this.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the metric as `this`
    const metrics = this;

    new Gauge({
      name: 'herald_ws_connections',
      help: 'Open WebSocket connections on this instance.',
      registers,
      collect() {
        this.set(metrics.connections());
      },
    });
    this.refused = new Counter({ name: 'herald_ws_upgrades_refused_total', help: 'WebSocket upgrades refused, by reason.', labelNames: ['reason'], registers });
    for (const reason of Object.values(REFUSAL_REASONS)) this.refused.inc({ reason }, 0);
    this.stored = new Counter({ name: 'herald_notifications_stored_total', help: 'Notifications committed, by kind.', labelNames: ['kind'], registers });
    for (const kind of ['targeted', 'broadcast'] as const) this.stored.inc({ kind }, 0);

    const latency = new Histogram({
      name: 'herald_delivery_latency_seconds',
      help: 'Seconds from a notification being stored to its frame being written on a socket of this instance (once per frame).',
      buckets: DELIVERY_BUCKETS_S,
      registers,
    });
    this.deliveries = new BatchedDeliveryMeter((seconds) => latency.observe(seconds));
    new Counter({
      name: 'herald_deliveries_total',
      help: 'Notification frames written to sockets of this instance (live delivery; resume replays excluded).',
      registers,
      collect() {
        this.inc(metrics.deliveries.take());
      },
    });

    admissionMetrics(registers, () => metrics.replays(), {
      running: ['herald_catch_up_queries_running', 'Catch-up queries (resume replays, catch-up after a broadcaster outage) running against the database now.'],
      waiting: ['herald_catch_up_queries_waiting', 'Catch-up queries waiting for a turn under REPLAY_CONCURRENCY now.'],
      peak: ['herald_catch_up_queries_peak', 'The most catch-up queries that ran at once on this instance since it started (at most REPLAY_CONCURRENCY).'],
      started: ['herald_catch_up_queries_total', 'Catch-up queries started on this instance.'],
      delayed: ['herald_catch_up_queries_delayed_total', 'Catch-up queries that waited for a turn because REPLAY_CONCURRENCY were running.'],
    });
    admissionMetrics(registers, () => metrics.countsQueries(), {
      running: ['herald_counts_queries_running', 'Counts queries (the counts frame of live sockets) running against the database now.'],
      waiting: ['herald_counts_queries_waiting', 'Counts queries waiting for a turn (at most 8 run at once) now.'],
      peak: ['herald_counts_queries_peak', 'The most counts queries that ran at once on this instance since it started (at most 8).'],
      started: ['herald_counts_queries_total', 'Counts queries started on this instance (one serves every socket of its user that asked before it started).'],
      delayed: ['herald_counts_queries_delayed_total', 'Counts queries that waited for a turn because 8 were running.'],
    });

    broadcaster.onInterrupted(() => (this.subscribed = false));
    broadcaster.onResubscribed(() => (this.subscribed = true));
    new Gauge({
      name: 'herald_broadcaster_up',
      help: '1 while the group broadcaster (Redis) answers PING and holds its subscriptions, else 0.',
      registers,
      async collect() {
        this.set((await metrics.broadcasterUp()) ? 1 : 0);
      },
    });

    const http = new Histogram<HttpLabel>({
      name: 'http_request_duration_seconds',
      help: 'HTTP request durations in seconds, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS_S,
      registers,
    });
    this.httpHook = httpMetricsHook(http);
  }

  notificationsStored(kind: StoredKind, count: number): void {
    this.stored.inc({ kind }, count);
  }

  upgradeRefused(status: number): void {
    this.refused.inc({ reason: REFUSAL_REASONS[status] ?? 'other' });
  }

  observeConnections(count: () => number): void {
    this.connections = count;
  }

  observeReplays(stats: () => ReplayStats): void {
    this.replays = stats;
  }

  observeCountsQueries(stats: () => ReplayStats): void {
    this.countsQueries = stats;
  }

  /** The Prometheus text exposition (format 0.0.4): the process's defaults, then this app's metrics. */
  render(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private async broadcasterUp(): Promise<boolean> {
    try {
      await this.broadcaster.ping();
      return this.subscribed;
    } catch (error) {
      if (error instanceof BroadcasterUnavailableError) return false;
      throw error;
    }
  }
}

const NO_QUERIES: ReplayStats = { running: 0, waiting: 0, peak: 0, started: 0, delayed: 0 };

/**
 * The gauges (running, waiting, peak) and counters (started, delayed) of
 * one query admission (`ReplayLimiter`), read from `stats` at each scrape.
 */
function admissionMetrics(registers: Registry[], stats: () => ReplayStats, names: { readonly [K in keyof ReplayStats]: readonly [string, string] }): void {
  for (const stat of ['running', 'waiting', 'peak'] as const) {
    const [name, help] = names[stat];
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(stats()[stat]);
      },
    });
  }
  for (const stat of ['started', 'delayed'] as const) {
    const [name, help] = names[stat];
    let counted = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const total = stats()[stat];
        this.inc(total - counted);
        counted = total;
      },
    });
  }
}
