import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import { Principal } from '../auth/principal';
import { GroupSubscriber } from '../broadcaster/group-broadcaster';
import { compareIds } from '../common/notification-id';
import { notificationIdOf } from '../common/server-frame';
import { DeliveryMeter } from '../metrics/herald-metrics';
import { CloseCode } from './protocol';
import { corkForTick } from './tick-cork';

/**
 * The newest notification id any socket of this instance was sent (or the
 * relay's position at start-up): where a socket that never got a
 * notification of its own catches up from after a broadcaster outage.
 */
export class HighWater {
  id = '0';

  raise(id: string): void {
    if (compareIds(id, this.id) > 0) this.id = id;
  }
}

/** Most bytes a socket keeps corked within one tick: a few hundred typical frames, a sixteenth of the default cap. */
const CORK_FLUSH_BYTES = 64 * 1024;

/** Longest delay `setTimeout` accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated socket: its principal, the groups it is in, its
 * heartbeat and expiry state, and the subscriber function that writes
 * group frames to it with backpressure.
 *
 * Notifications reach a socket in id order (the outbox relay publishes in
 * id order), so the newest id sent is all it takes to drop a repeat: a
 * batch re-published after a relay failure, or a live frame that a resume
 * replay already sent.
 *
 * Live notification frames go through one of three modes:
 * - `discard` until the socket is ready, and from a broadcaster
 *   interruption until its catch-up replay starts. Dropping is safe: the
 *   relay moves its cursor past a frame before any replay that starts
 *   later reads the cursor, so the replay covers every dropped id.
 * - `hold` while a replay runs: frames wait in a bounded buffer and follow
 *   the replay.
 * - `live` otherwise.
 */
export class Connection {
  /** Identifies this socket in room presence, across instances. */
  readonly id = randomUUID();
  readonly groups = new Set<string>();
  /** Rooms this socket joined (`room.join`); left when the socket closes. */
  readonly rooms = new Set<string>();
  /** Cleared on each ping, set by the pong; a socket still false at the next ping is dead. */
  alive = true;
  /** Newest notification id sent to this socket; null until the first. */
  private lastNotificationId: string | null = null;
  private mode: 'discard' | 'hold' | 'live' = 'discard';
  /** Where to catch up from after a broadcaster interruption; null when none is pending. */
  private interruptedAt: string | null = null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private replays: Promise<void> = Promise.resolve();
  private sends: Promise<unknown> = Promise.resolve();
  private expiryTimer?: NodeJS.Timeout;
  /** Corked bytes that are flushed at once rather than at the end of the tick (see `corkForTick`). */
  private readonly corkFlushBytes: number;
  /** The instance's high water when this socket connected: its resume point until it is sent a notification. */
  private readonly connectedAt: string;

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly maxBufferedBytes: number,
    private readonly highWater: HighWater,
    /** The socket's TCP stream (`request.socket` of the upgrade), corked per tick while fanning out; none in unit tests. */
    private readonly transport?: Writable,
    /** Counts each notification frame written (`herald_deliveries_total`); none in unit tests. */
    private readonly deliveries?: DeliveryMeter,
  ) {
    this.connectedAt = highWater.id;
    this.corkFlushBytes = Math.min(CORK_FLUSH_BYTES, Math.floor(maxBufferedBytes / 8));
  }

  /**
   * Writes one shared frame buffer as a text frame. A socket whose unsent
   * backlog passed the cap is closed with 1013 instead of buffering more,
   * so one slow reader never grows memory or delays the others.
   */
  readonly deliver: GroupSubscriber = (frame) => {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const id = notificationIdOf(frame);
    if (id !== null) {
      if (this.mode === 'discard') return;
      if (this.mode === 'hold') {
        this.hold(frame);
        return;
      }
      if (!this.advance(id)) return;
    }
    if (this.transport) corkForTick(this.transport, this.corkFlushBytes);
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.close(CloseCode.TryAgainLater, 'send buffer full');
      return;
    }
    this.socket.send(frame, { binary: false });
    if (id !== null) this.deliveries?.delivered(frame);
  };

  /** Sends a frame built for this socket alone. */
  send(frame: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  /** Starts live delivery once `ready` was sent, when no replay was asked for. */
  goLive(): void {
    if (this.mode === 'discard' && this.interruptedAt === null) this.mode = 'live';
  }

  /**
   * The broadcaster lost frames (or may have): drop live notifications
   * until `catchUpCursor` is taken by a replay, which resends from here.
   */
  interrupt(): void {
    this.interruptedAt ??= this.lastNotificationId ?? this.connectedAt;
    if (this.mode === 'live') this.mode = 'discard';
  }

  /**
   * The client says it has every notification up to `since` (a resume):
   * never send those, even if the relay publishes them after the replay.
   */
  acknowledge(since: string): void {
    if (this.lastNotificationId === null || compareIds(since, this.lastNotificationId) > 0) this.lastNotificationId = since;
  }

  /** Where a catch-up replay starts, or null when no interruption is pending; clears it. Call inside `replay`. */
  takeCatchUpCursor(): string | null {
    const cursor = this.interruptedAt;
    this.interruptedAt = null;
    return cursor;
  }

  /**
   * Runs a replay: live notifications are held back while `replay` sends
   * older ones with `sendReplayed`, then follow it. Replays on one socket
   * run one after another.
   */
  replay(replay: () => Promise<void>): Promise<void> {
    const run = this.replays.then(async () => {
      this.mode = 'hold';
      try {
        await replay();
      } finally {
        this.endReplay();
      }
    });
    this.replays = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends one replayed notification unless this socket already had it.
   * @returns whether it was sent.
   */
  sendReplayed(id: string, frame: string): boolean {
    if (!this.advance(id)) return false;
    this.send(frame);
    return true;
  }

  /**
   * Runs `work` after this socket's earlier `inOrder` work settled, so a
   * client's messages are stored in the order it sent them although Nest
   * runs message handlers concurrently.
   */
  inOrder<T>(work: () => Promise<T>): Promise<T> {
    const run = this.sends.then(work);
    this.sends = run.catch(() => undefined);
    return run;
  }

  /** Ends a replay: held live notifications follow, repeats dropped, unless an interruption is pending. */
  private endReplay(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.mode = this.interruptedAt === null ? 'live' : 'discard';
    for (const frame of held) this.deliver(frame);
  }

  /** Moves the watermark to `id`; false when `id` is not newer (a repeat). */
  private advance(id: string): boolean {
    if (this.lastNotificationId !== null && compareIds(id, this.lastNotificationId) <= 0) return false;
    this.lastNotificationId = id;
    this.highWater.raise(id);
    return true;
  }

  private hold(frame: Buffer): void {
    this.heldBytes += frame.length;
    if (this.heldBytes > this.maxBufferedBytes) {
      this.socket.close(CloseCode.TryAgainLater, 'send buffer full');
      return;
    }
    this.held.push(frame);
  }

  /** Closes the socket with 4401 when the token's `exp` passes. */
  scheduleExpiry(): void {
    const remaining = this.principal.expiresAt * 1000 - Date.now();
    if (remaining <= 0) {
      this.socket.close(CloseCode.TokenExpired, 'token expired');
      return;
    }
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(), Math.min(remaining, MAX_TIMER_MS));
  }

  get expired(): boolean {
    return this.principal.expiresAt * 1000 <= Date.now();
  }

  dispose(): void {
    clearTimeout(this.expiryTimer);
  }
}
