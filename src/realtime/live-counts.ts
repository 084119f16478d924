import { Inject, Injectable, Logger } from '@nestjs/common';
import { NotificationCounts } from '../common/server-frame';
import { HERALD_METRICS, HeraldMetrics, ReplayStats } from '../metrics/herald-metrics';
import { CountsService } from '../notifications/counts.service';
import { Connection } from './connection';
import { encodeFrame, ServerEvent } from './protocol';
import { ReplayLimiter } from './replay-limiter';

/** Fewest ms between two `counts` frames on one socket. */
export const COUNTS_INTERVAL_MS = 250;

/** Counts queries (each ≈3 statements) that run against the database at once on one instance; the rest wait their turn. */
export const COUNTS_CONCURRENCY = 8;

/** One socket's `counts` schedule. */
interface CountsState {
  /** When its last `counts` frame was sent (ms since the epoch); 0 before the first. */
  lastSent: number;
  timer?: NodeJS.Timeout;
  /** A query is running. */
  inFlight: boolean;
  /** Something changed while the query ran: query again once it is done. */
  dirty: boolean;
}

/**
 * Sends each socket its user's `counts` after any change to them: every
 * frame that changes counts (`notification`, `notification.read`,
 * `notification.state`, `notification.deleted`, and the internal
 * counts-changed frame) asks for a refresh, and the refresh reads the
 * counts from the database, so they are exact, never a drifting counter.
 * Refreshes are coalesced to at most one frame per `COUNTS_INTERVAL_MS`
 * per socket; a change that lands while a query runs gets a fresh query
 * after it, so the last frame always reflects the last change.
 *
 * One change can ask every socket at once (a broadcast reaches them all),
 * so the queries take turns of one `ReplayLimiter` of `COUNTS_CONCURRENCY`
 * shared by the instance, and the sockets of one user that ask before
 * that user's query has started share it: a broadcast to N sockets costs
 * one query per user, never more than `COUNTS_CONCURRENCY` at once, so
 * it cannot exhaust the connection pool.
 */
@Injectable()
export class LiveCounts {
  private readonly logger = new Logger(LiveCounts.name);
  private readonly states = new WeakMap<Connection, CountsState>();
  private readonly limiter = new ReplayLimiter(COUNTS_CONCURRENCY);
  /** Per user: the counts query that has not started reading yet, which a further asking socket joins. */
  private readonly pending = new Map<string, Promise<NotificationCounts>>();

  constructor(
    private readonly counts: CountsService,
    @Inject(HERALD_METRICS) metrics: HeraldMetrics,
  ) {
    metrics.observeCountsQueries(() => this.limiter.stats());
  }

  /** The counts queries: running, waiting for a turn, the most at once (never above `COUNTS_CONCURRENCY`), started, delayed. */
  stats(): ReplayStats {
    return this.limiter.stats();
  }

  /** Asks for a `counts` frame on this socket: at once (next tick) or when its 250 ms window ends. */
  schedule(connection: Connection): void {
    let state = this.states.get(connection);
    if (!state) this.states.set(connection, (state = { lastSent: 0, inFlight: false, dirty: false }));
    if (state.inFlight) {
      state.dirty = true;
      return;
    }
    if (state.timer) return;
    const wait = Math.max(0, state.lastSent + COUNTS_INTERVAL_MS - Date.now());
    state.timer = setTimeout(() => void this.refresh(connection, state), wait);
    state.timer.unref();
  }

  private async refresh(connection: Connection, state: CountsState): Promise<void> {
    state.timer = undefined;
    state.inFlight = true;
    state.dirty = false;
    try {
      const counts = await this.read(connection.principal.sub);
      connection.send(encodeFrame(ServerEvent.Counts, counts));
      state.lastSent = Date.now();
    } catch (error) {
      // The next change asks again; the REST route has the truth meanwhile.
      this.logger.warn(`reading counts for ${connection.principal.sub} failed: ${(error as Error).message}`);
    } finally {
      state.inFlight = false;
      if (state.dirty) this.schedule(connection);
    }
  }

  /**
   * The user's counts from a query that starts after this call, so they
   * include every change before it: a query not yet started is joined,
   * otherwise a new one waits for a turn. It starts no sooner than the
   * next check phase, so the sockets a change reached in one tick share it.
   */
  private read(userId: string): Promise<NotificationCounts> {
    const waiting = this.pending.get(userId);
    if (waiting) return waiting;
    const query = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.limiter.run(() => {
        // From now on it may miss a change: a later asker gets a query of its own.
        this.pending.delete(userId);
        return this.counts.counts(userId);
      }),
    );
    this.pending.set(userId, query);
    return query;
  }
}
