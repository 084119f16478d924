import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Principal } from '../auth/principal';
import { GroupSubscriber } from '../broadcaster/group-broadcaster';
import { CloseCode } from './protocol';

/** Longest delay `setTimeout` accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated socket: its principal, the groups it is in, its
 * heartbeat and expiry state, and the subscriber function that writes
 * group frames to it with backpressure.
 */
export class Connection {
  /** Identifies this socket in room presence, across instances. */
  readonly id = randomUUID();
  readonly groups = new Set<string>();
  /** Rooms this socket joined (`room.join`); left when the socket closes. */
  readonly rooms = new Set<string>();
  /** Cleared on each ping, set by the pong; a socket still false at the next ping is dead. */
  alive = true;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly maxBufferedBytes: number,
  ) {}

  /**
   * Writes one shared frame buffer as a text frame. A socket whose unsent
   * backlog passed the cap is closed with 1013 instead of buffering more,
   * so one slow reader never grows memory or delays the others.
   */
  readonly deliver: GroupSubscriber = (frame) => {
    if (this.socket.readyState !== WebSocket.OPEN) return;
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
