import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Principal } from '../auth/principal';
import { GroupSubscriber } from '../broadcaster/group-broadcaster';
import { compareIds } from '../common/notification-id';
import { notificationIdOf } from '../common/server-frame';
import { CloseCode } from './protocol';

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
 * replay already sent. While a replay runs, live notification frames wait
 * in a buffer and follow it.
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
  /** Live notification frames held back while a replay runs, else null. */
  private held: Buffer[] | null = null;
  private replays: Promise<void> = Promise.resolve();
  private sends: Promise<unknown> = Promise.resolve();
  private heldBytes = 0;
  private expiryTimer?: NodeJS.Timeout;

  /** Where this socket would resume from: the newest id it was sent, else the instance's high water when it connected. */
  private readonly connectedAt: string;

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly maxBufferedBytes: number,
    private readonly highWater: HighWater,
  ) {
    this.connectedAt = highWater.id;
  }

  /** The id to catch up from after frames may have been lost. */
  get resumeCursor(): string {
    return this.lastNotificationId ?? this.connectedAt;
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
      if (this.held) {
        this.hold(frame);
        return;
      }
      if (!this.advance(id)) return;
    }
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.close(CloseCode.TryAgainLater, 'send buffer full');
      return;
    }
    this.socket.send(frame, { binary: false });
  };

  /** Sends a frame built for this socket alone. */
  send(frame: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  /**
   * Runs a replay: live notifications are held back while `replay` sends
   * older ones with `sendReplayed`, then follow it. Replays on one socket
   * run one after another.
   */
  replay(replay: () => Promise<void>): Promise<void> {
    const run = this.replays.then(async () => {
      this.held = [];
      try {
        await replay();
      } finally {
        this.endReplay();
      }
    });
    this.replays = run.catch(() => undefined);
    return run;
  }

  /** Sends one replayed notification unless this socket already had it. */
  sendReplayed(id: string, frame: string): void {
    if (this.advance(id)) this.send(frame);
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

  /** Ends a replay: held live notifications follow, repeats dropped. */
  private endReplay(): void {
    const held = this.held ?? [];
    this.held = null;
    this.heldBytes = 0;
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
    this.held?.push(frame);
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
