import { compareIds } from '../common/record-id';
import { HighWaterMark } from './high-water-mark';

/**
 * How a socket treats live notification frames:
 * - `discard` until the socket is ready, and from a broadcaster
 *   interruption until its catch-up replay starts. Dropping is safe: the
 *   relay moves its cursor past a frame before any replay that starts
 *   later reads the cursor, so the replay covers every dropped id.
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
  /** Delivers a held frame again once its replay ended (it passes `admit` anew). */
  redeliver(frame: Buffer): void;
  /** The held frames passed the cap: the socket is too far behind and must be closed. */
  overflow(): void;
}

/**
 * One socket's notification delivery state, owned here alone: the mode,
 * the watermark (newest id sent) that drops repeats, the pending catch-up
 * cursor, the frames held during a replay, and the queue of replays.
 *
 * Notifications reach a socket in id order (the outbox relay publishes in
 * id order), so the newest id sent is all it takes to drop a repeat: a
 * batch re-published after a relay failure, or a live frame that a resume
 * replay already sent.
 */
export class NotificationStream {
  private mode: StreamMode = 'discard';
  /** Newest notification id sent (or acknowledged by a resume); null until the first. */
  private watermark: string | null = null;
  /** Where to catch up from after a broadcaster interruption; null when none is pending. */
  private interruptedAt: string | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private replays: Promise<void> = Promise.resolve();
  /** The instance's high-water mark when the socket connected: its catch-up point until it is sent a notification. */
  private readonly connectedAt: string;

  constructor(
    private readonly sink: StreamSink,
    private readonly highWater: HighWaterMark,
    /** Most bytes held during a replay before `sink.overflow()`. */
    private readonly maxHeldBytes: number,
  ) {
    this.connectedAt = highWater.id;
  }

  /** The current mode, for logs and tests. */
  get current(): StreamMode {
    return this.mode;
  }

  /**
   * Decides a live notification frame: true to send it now. Held frames
   * come back through `sink.redeliver` after the replay.
   */
  admit(id: string, frame: Buffer): boolean {
    if (this.mode === 'discard') return false;
    if (this.mode === 'hold') {
      this.hold(frame);
      return false;
    }
    return this.advance(id);
  }

  /** `ready` was sent and no replay was asked for: go live. */
  ready(): void {
    this.transition('ready');
  }

  /**
   * The broadcaster lost frames (or may have): drop live notifications
   * until a replay takes the catch-up cursor and resends from there.
   */
  interrupt(): void {
    this.interruptedAt ??= this.watermark ?? this.connectedAt;
    this.transition('interrupted');
  }

  /**
   * The client says it has every notification up to `since` (a resume):
   * never send those, even if the relay publishes them after the replay.
   */
  acknowledge(since: string): void {
    if (this.watermark === null || compareIds(since, this.watermark) > 0) this.watermark = since;
  }

  /** Where a catch-up replay starts, or null when no interruption is pending; clears it. Call inside `replay`. */
  takeCatchUpCursor(): string | null {
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
  admitReplayed(id: string): boolean {
    return this.advance(id);
  }

  private transition(event: StreamEvent): void {
    this.mode = nextMode(this.mode, event, this.interruptedAt !== null);
  }

  private endReplay(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.transition('replay-ended');
    for (const frame of held) this.sink.redeliver(frame);
  }

  /** Moves the watermark to `id`; false when `id` is not newer (a repeat). */
  private advance(id: string): boolean {
    if (this.watermark !== null && compareIds(id, this.watermark) <= 0) return false;
    this.watermark = id;
    this.highWater.raise(id);
    return true;
  }

  private hold(frame: Buffer): void {
    this.heldBytes += frame.length;
    if (this.heldBytes > this.maxHeldBytes) {
      this.sink.overflow();
      return;
    }
    this.held.push(frame);
  }
}
