import { compareIds } from '../common/record-id';
import type { ReplayCursor } from '../notifications/notification-replay.service';
import type { StreamPosition } from '../notifications/stream-frame';
import { HighWaterMark } from './high-water-mark';

/**
 * How a socket treats live notification frames:
 * - `discard` until the socket is ready, and from a broadcaster
 *   interruption until its catch-up replay starts. Dropping is safe: a
 *   frame is published after its commit, so a replay that starts later
 *   reads it from the database.
 * - `hold` while a replay runs: frames wait in a bounded buffer and follow
 *   the replay.
 * - `live` otherwise: sent at once, unless not newer than the watermark.
 */
export type StreamMode = 'discard' | 'hold' | 'live';

/** What moves a stream from one mode to another. */
export type StreamEvent =
  /** `ready` was sent and no replay was asked for. */
  | 'ready'
  /** The broadcaster may have lost frames. */
  | 'interrupted'
  /** A replay (resume or catch-up) begins. */
  | 'replay-started'
  /** That replay finished, or failed. */
  | 'replay-ended';

/**
 * The one transition function of a stream's mode; `catchUpPending` is
 * true while an interruption waits for its catch-up replay.
 */
export function nextMode(mode: StreamMode, event: StreamEvent, catchUpPending: boolean): StreamMode {
  switch (event) {
    case 'ready':
      return mode === 'discard' && !catchUpPending ? 'live' : mode;
    case 'interrupted':
      return mode === 'live' ? 'discard' : mode;
    case 'replay-started':
      return 'hold';
    case 'replay-ended':
      return catchUpPending ? 'discard' : 'live';
  }
}

/** What a stream needs from its socket. */
export interface StreamSink {
  /** Delivers a held or parked frame again (it passes `admit` anew). */
  redeliver(frame: Buffer): void;
  /** The held or parked frames passed the cap: the socket is too far behind and must be closed. */
  overflow(): void;
  /** A frame has waited `gapWaitMs` for an earlier one of its stream: replay from the database what the socket lacks (`cursor()`). */
  fill(): void;
}

/** How long a frame that arrived ahead of an earlier one of its stream waits for it before the gap is read from the database, in ms. */
export const GAP_WAIT_MS = 20;

type Kind = StreamPosition['kind'];

/** What a socket has of one delivery stream: the newest id and its number (null until known). */
interface StreamState {
  id: string | null;
  seq: number | null;
}

/**
 * One socket's notification delivery state, owned here alone: the mode,
 * what it has of each of its two delivery streams (its user's and the
 * broadcasts; docs/delivery.md), the pending catch-up cursor, the frames
 * held during a replay or parked ahead of a gap, and the queue of replays.
 *
 * Each stream numbers its notifications 1, 2, 3, ... in commit order, and
 * ids grow with the numbers, so:
 * - a frame whose id is not newer than the stream's newest is a repeat
 *   (a sweep's re-publish, or a live frame a replay already sent);
 * - a frame numbered n+2 when the socket has n proves that n+1 exists and
 *   committed: it is parked until n+1 arrives, or, after `GAP_WAIT_MS`,
 *   until a replay from the database brings it. A targeted frame also waits
 *   for the broadcasts stored before it (`after`), so ids grow per socket.
 */
export class NotificationStream {
  private mode: StreamMode = 'discard';
  private readonly last: Record<Kind, StreamState> = { t: { id: null, seq: null }, b: { id: null, seq: null } };
  /** Where to catch up from after a broadcaster interruption; null when none is pending. */
  private interruptedAt: ReplayCursor | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Live frames that arrived ahead of an earlier one of their stream, in arrival order. */
  private parked: Buffer[] = [];
  private parkedBytes = 0;
  private gapTimer?: NodeJS.Timeout;
  private releasing = false;
  private replays: Promise<void> = Promise.resolve();
  /** The instance's high-water mark when the socket connected: its catch-up point for a stream it has no notification of. */
  private readonly connectedAt: string;

  constructor(
    private readonly sink: StreamSink,
    private readonly highWater: HighWaterMark,
    /** Most bytes held during a replay (and parked ahead of a gap) before `sink.overflow()`. */
    private readonly maxHeldBytes: number,
    private readonly gapWaitMs = GAP_WAIT_MS,
  ) {
    this.connectedAt = highWater.id;
  }

  /** The current mode, for logs and tests. */
  get current(): StreamMode {
    return this.mode;
  }

  /**
   * Decides a live notification frame (`frame` as carried, for holding):
   * true to send it now, then call `delivered()`. Held and parked frames
   * come back through `sink.redeliver`.
   */
  admit(id: string, frame: Buffer, position: StreamPosition): boolean {
    if (this.mode === 'discard') return false;
    if (this.mode === 'hold') {
      this.hold(frame);
      return false;
    }
    const state = this.last[position.kind];
    if (state.id !== null && compareIds(id, state.id) <= 0) return false;
    if (state.seq !== null && position.seq > 0 && position.seq <= state.seq) return false;
    if (this.missingBefore(position)) {
      this.park(frame);
      return false;
    }
    this.advance(position.kind, id, position.seq);
    return true;
  }

  /** A frame `admit` let through was sent: frames parked behind it may follow now. */
  delivered(): void {
    if (this.parked.length === 0 || this.releasing) return;
    this.releasing = true;
    try {
      for (;;) {
        const frames = this.parked;
        this.parked = [];
        this.parkedBytes = 0;
        for (const frame of frames) this.sink.redeliver(frame);
        if (this.parked.length === 0 || this.parked.length === frames.length) break;
      }
    } finally {
      this.releasing = false;
    }
    if (this.parked.length === 0) this.clearGapTimer();
  }

  /** `ready` was sent and no replay was asked for: go live. */
  ready(): void {
    this.transition('ready');
  }

  /**
   * The newest number of each stream when the socket became ready (read
   * in a replay, before `ready`): later frames are checked against them.
   */
  startAt(positions: { targeted: number; broadcast: number }): void {
    if (this.last.t.seq === null) this.last.t.seq = positions.targeted;
    if (this.last.b.seq === null) this.last.b.seq = positions.broadcast;
  }

  /**
   * The broadcaster lost frames (or may have): drop live notifications
   * until a replay takes the catch-up cursor and resends from there.
   */
  interrupt(): void {
    this.interruptedAt ??= this.cursor();
    this.transition('interrupted');
  }

  /**
   * The client says it has every notification up to `since` (a v1
   * resume): never send those, even if they are published after the replay.
   * The replay that follows tells the streams' numbers again.
   */
  acknowledge(since: string): void {
    for (const state of Object.values(this.last)) {
      if (state.id === null || compareIds(since, state.id) > 0) {
        state.id = since;
        state.seq = null;
      }
    }
  }

  /** Where a replay of what this socket lacks starts: the newest id it has of each stream. */
  cursor(): ReplayCursor {
    return { targeted: this.last.t.id ?? this.connectedAt, broadcast: this.last.b.id ?? this.connectedAt };
  }

  /** Where a catch-up replay starts, or null when no interruption is pending; clears it. Call inside `replay`. */
  takeCatchUpCursor(): ReplayCursor | null {
    const cursor = this.interruptedAt;
    this.interruptedAt = null;
    return cursor;
  }

  /**
   * Runs a replay: live notifications are held back while `replay` sends
   * older ones (checking each with `admitReplayed`), then follow it.
   * Replays on one socket run one after another.
   */
  replay(replay: () => Promise<void>): Promise<void> {
    const run = this.replays.then(async () => {
      this.transition('replay-started');
      try {
        await replay();
      } finally {
        this.endReplay();
      }
    });
    this.replays = run.catch(() => undefined);
    return run;
  }

  /** Decides one replayed notification: true to send it (this socket did not have it yet). */
  admitReplayed(id: string, position: StreamPosition): boolean {
    const state = this.last[position.kind];
    if (state.id !== null && compareIds(id, state.id) <= 0) return false;
    // Numbered at or below where the socket started (or has got to): from before it was ready, or already sent.
    if (state.seq !== null && position.seq > 0 && position.seq <= state.seq) return false;
    this.advance(position.kind, id, position.seq);
    return true;
  }

  /**
   * A replay read everything committed up to these numbers (its snapshot),
   * and sent what the socket lacked: the socket now has each stream up to
   * them. Call inside `replay`, after the replayed notifications.
   */
  replayedUpTo(positions: { targeted: number; broadcast: number }): void {
    this.last.t.seq = Math.max(this.last.t.seq ?? 0, positions.targeted);
    this.last.b.seq = Math.max(this.last.b.seq ?? 0, positions.broadcast);
  }

  /** Stops the gap timer (the socket closed). */
  dispose(): void {
    this.clearGapTimer();
  }

  /** Whether an earlier notification of the frame's stream, or a broadcast stored before it, has not reached this socket yet. */
  private missingBefore(position: StreamPosition): boolean {
    const own = this.last[position.kind];
    if (own.seq !== null && position.seq > own.seq + 1) return true;
    const broadcasts = this.last.b.seq;
    return position.kind === 't' && broadcasts !== null && position.after > broadcasts;
  }

  private transition(event: StreamEvent): void {
    this.mode = nextMode(this.mode, event, this.interruptedAt !== null);
  }

  private endReplay(): void {
    // Parked frames arrived before the held ones.
    const frames = [...this.parked, ...this.held];
    this.parked = [];
    this.parkedBytes = 0;
    this.held = [];
    this.heldBytes = 0;
    this.clearGapTimer();
    this.transition('replay-ended');
    this.releasing = true;
    try {
      for (const frame of frames) this.sink.redeliver(frame);
    } finally {
      this.releasing = false;
    }
    this.delivered();
  }

  /** Moves the stream to `id` (and its number, when known). */
  private advance(kind: Kind, id: string, seq: number): void {
    const state = this.last[kind];
    state.id = id;
    if (seq > 0) state.seq = seq;
    this.highWater.raise(id);
  }

  private hold(frame: Buffer): void {
    this.heldBytes += frame.length;
    if (this.heldBytes + this.parkedBytes > this.maxHeldBytes) {
      this.sink.overflow();
      return;
    }
    this.held.push(frame);
  }

  private park(frame: Buffer): void {
    this.parkedBytes += frame.length;
    if (this.heldBytes + this.parkedBytes > this.maxHeldBytes) {
      this.sink.overflow();
      return;
    }
    this.parked.push(frame);
    if (this.gapTimer === undefined) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        if (this.parked.length > 0) this.sink.fill();
      }, this.gapWaitMs);
      this.gapTimer.unref();
    }
  }

  private clearGapTimer(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }
}
