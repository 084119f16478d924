import { Inject, Injectable, Logger } from '@nestjs/common';
import { CountsKey, countsKeyOf } from '../common/server-frame';
import { HERALD_METRICS, HeraldMetrics, ReplayStats } from '../metrics/herald-metrics';
import { CountsService } from '../notifications/counts.service';
import { CountsSnapshot } from '../notifications/inbox-feed.store';
import { StreamPosition } from '../notifications/stream-frame';
import { Connection } from './connection';
import { encodeFrame, ServerEvent } from './protocol';
import { ReplayLimiter } from './replay-limiter';

/** Fewest ms between two `counts` frames on one socket. */
export const COUNTS_INTERVAL_MS = 250;

/**
 * How long past its window a `counts` frame that needs no read waits for
 * the socket's next notification to ride along with, in ms: during a
 * fan-out the frame then shares the notification's write instead of
 * costing the socket a write (a system call) of its own.
 */
export const COUNTS_RIDE_ALONG_MS = 100;

/** Counts queries (one statement each) that run against the database at once on one instance; the rest wait their turn. */
export const COUNTS_CONCURRENCY = 8;

/** One socket's `counts`: the last exact read with what was added since, and its schedule. */
interface CountsState {
  /** When its last `counts` frame was sent (ms since the epoch); 0 before the first. */
  lastSent: number;
  timer?: NodeJS.Timeout;
  /** A read is running. */
  inFlight: boolean;
  /** Something changed that only a read can tell: read before the next frame. */
  stale: boolean;
  /** The counts as the socket knows them (its own copy), exact for its streams up to `base.positions`; none before the first read. */
  base?: CountsSnapshot;
  /** Live notifications added while a read runs: applied to its result, past the positions it read. */
  during: Array<{ position: StreamPosition; key: CountsKey }>;
}

/**
 * Adds one live notification to counts exact up to `base.positions` (a
 * new notification is unread, unseen, not archived): `included` when the
 * read already counted it, `unknown` when only a read can tell (a number
 * skipped, or it replaced an older one whose state the frame lacks).
 */
export function addNotification(base: CountsSnapshot, position: StreamPosition, key: CountsKey, now: number): 'added' | 'included' | 'unknown' {
  const stream = position.kind === 't' ? 'targeted' : 'broadcast';
  const last = base.positions[stream];
  if (position.seq <= last) return 'included';
  if (position.seq !== last + 1 || key.replaces) return 'unknown';
  base.positions[stream] = position.seq;
  // An expired notification is in no count (the read leaves it out as well).
  if (key.expiresAt !== null && key.expiresAt <= now) return 'added';
  const category = (base.counts.byCategory[key.category] ??= { unread: 0, unseen: 0 });
  category.unread++;
  category.unseen++;
  if (!key.critical && base.muted.has(key.category)) return 'added';
  base.counts.unread++;
  base.counts.unseen++;
  return 'added';
}

/**
 * Sends each socket its user's `counts` after any change to them, exact,
 * never a drifting counter. A read takes the counts from the database in
 * one statement together with the stream positions they are exact for
 * (`CountsService.snapshot`); a live `notification` frame numbered right
 * after those positions is then added on the socket without a query (it
 * is unread and unseen, and its category and severity are in the frame),
 * and everything else that changes counts (`notification.read`,
 * `notification.state`, `notification.deleted`, a silent notification,
 * the internal counts-changed frame, a skipped number, a collapse, a
 * preference, a replay) asks for a read. Frames are coalesced to at most
 * one per `COUNTS_INTERVAL_MS` per socket; a change that lands while a
 * read runs is applied to its result or gets a fresh read after it, so the
 * last frame always reflects the last change.
 *
 * One change can ask every socket at once (a broadcast reaches them all),
 * so reads take turns of one `ReplayLimiter` of `COUNTS_CONCURRENCY`
 * shared by the instance, and the sockets of one user that ask before
 * that user's read has started share it: a state change on N sockets
 * costs one read per user, never more than `COUNTS_CONCURRENCY` at once,
 * so it cannot exhaust the connection pool; a broadcast costs a read only
 * on sockets that have none yet.
 */
@Injectable()
export class LiveCounts {
  private readonly logger = new Logger(LiveCounts.name);
  private readonly states = new WeakMap<Connection, CountsState>();
  private readonly limiter = new ReplayLimiter(COUNTS_CONCURRENCY);
  /** Per user: the read that has not started yet, which a further asking socket joins. */
  private readonly pending = new Map<string, Promise<CountsSnapshot>>();

  constructor(
    private readonly counts: CountsService,
    @Inject(HERALD_METRICS) metrics: HeraldMetrics,
  ) {
    metrics.observeCountsQueries(() => this.limiter.stats());
  }

  /** The counts reads: running, waiting for a turn, the most at once (never above `COUNTS_CONCURRENCY`), started, delayed. */
  stats(): ReplayStats {
    return this.limiter.stats();
  }

  /** Asks for a `counts` frame from a fresh read on this socket: at once (next tick) or when its 250 ms window ends. */
  schedule(connection: Connection): void {
    const state = this.stateOf(connection);
    state.stale = true;
    // A frame waiting for a ride-along goes at the window's end now.
    clearTimeout(state.timer);
    state.timer = undefined;
    this.arm(connection, state);
  }

  /** A live notification took its place in the socket's stream: adds it to the socket's counts, or asks for a read when only one can tell. */
  added(connection: Connection, position: StreamPosition, frame: Buffer): void {
    const state = this.stateOf(connection);
    const key = countsKeyOf(frame);
    if (state.inFlight) {
      state.during.push({ position, key });
      return;
    }
    if (!state.base || state.stale) {
      state.stale = true;
    } else {
      const now = Date.now();
      const outcome = addNotification(state.base, position, key, now);
      if (outcome === 'included') return;
      if (outcome === 'unknown') {
        this.schedule(connection);
        return;
      }
      if (now >= state.lastSent + COUNTS_INTERVAL_MS) {
        // In the tick of the notification frame, so the socket's corked write carries both.
        clearTimeout(state.timer);
        state.timer = undefined;
        this.send(connection, state, state.base);
        return;
      }
    }
    this.arm(connection, state);
  }

  private stateOf(connection: Connection): CountsState {
    let state = this.states.get(connection);
    if (!state) this.states.set(connection, (state = { lastSent: 0, inFlight: false, stale: false, during: [] }));
    return state;
  }

  /** Sends the next frame once the socket's window allows; a running read arms it again when done. */
  private arm(connection: Connection, state: CountsState): void {
    if (state.inFlight || state.timer) return;
    // A frame that needs a read goes at the window's end; one that does not waits a little longer for a notification to ride along with.
    const rideAlong = state.stale || !state.base ? 0 : COUNTS_RIDE_ALONG_MS;
    const wait = Math.max(0, state.lastSent + COUNTS_INTERVAL_MS + rideAlong - Date.now());
    state.timer = setTimeout(() => void this.fire(connection, state), wait);
    state.timer.unref();
  }

  private async fire(connection: Connection, state: CountsState): Promise<void> {
    state.timer = undefined;
    if (state.stale || !state.base) {
      await this.refresh(connection, state);
      return;
    }
    this.send(connection, state, state.base);
  }

  private async refresh(connection: Connection, state: CountsState): Promise<void> {
    state.inFlight = true;
    state.stale = false;
    state.during = [];
    try {
      const read = await this.read(connection.principal.sub);
      const base: CountsSnapshot = { counts: structuredClone(read.counts), muted: read.muted, positions: { ...read.positions } };
      const now = Date.now();
      for (const { position, key } of state.during) {
        if (addNotification(base, position, key, now) === 'unknown') state.stale = true;
      }
      state.base = base;
      this.send(connection, state, base);
    } catch (error) {
      // The next change asks again; the REST route has the truth meanwhile.
      state.base = undefined;
      this.logger.warn(`reading counts for ${connection.principal.sub} failed: ${(error as Error).message}`);
    } finally {
      state.inFlight = false;
      state.during = [];
      if (state.stale) this.arm(connection, state);
    }
  }

  private send(connection: Connection, state: CountsState, base: CountsSnapshot): void {
    connection.send(encodeFrame(ServerEvent.Counts, base.counts));
    state.lastSent = Date.now();
  }

  /**
   * The user's counts from a read that starts after this call, so they
   * include every change before it: a read not yet started is joined,
   * otherwise a new one waits for a turn. It starts no sooner than the
   * next check phase, so the sockets a change reached in one tick share it.
   */
  private read(userId: string): Promise<CountsSnapshot> {
    const waiting = this.pending.get(userId);
    if (waiting) return waiting;
    const query = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.limiter.run(() => {
        // From now on it may miss a change: a later asker gets a read of its own.
        this.pending.delete(userId);
        return this.counts.snapshot(userId);
      }),
    );
    this.pending.set(userId, query);
    return query;
  }
}
