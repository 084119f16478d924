import { Injectable, Logger } from '@nestjs/common';
import { CountsService } from '../notifications/counts.service';
import { Connection } from './connection';
import { encodeFrame, ServerEvent } from './protocol';

/** Fewest ms between two `counts` frames on one socket. */
export const COUNTS_INTERVAL_MS = 250;

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
 */
@Injectable()
export class LiveCounts {
  private readonly logger = new Logger(LiveCounts.name);
  private readonly states = new WeakMap<Connection, CountsState>();

  constructor(private readonly counts: CountsService) {}

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
      const counts = await this.counts.counts(connection.principal.sub);
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
}
