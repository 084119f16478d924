import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import { Principal } from '../auth/principal';
import { GroupSubscriber } from '../broadcaster/group-broadcaster';
import { countsEffectOf, isSilentNotification, mutedOut, notificationIdOf } from '../common/server-frame';
import { DeliveryMeter } from '../metrics/herald-metrics';
import { decodeStreamFrame, StreamPosition } from '../notifications/stream-frame';
import { HighWaterMark } from './high-water-mark';
import { NotificationStream } from './notification-stream';
import { CloseCode, encodeFrame, ServerEvent } from './protocol';
import { corkForTick } from './tick-cork';
import { TokenExpiry } from './token-expiry';

/** Most bytes a socket keeps corked within one tick: a few hundred typical frames, a sixteenth of the default cap. */
const CORK_FLUSH_BYTES = 64 * 1024;

/**
 * One authenticated socket: its principal, the groups and rooms it is in,
 * its heartbeat and expiry state, and the subscriber function that writes
 * group frames to it with backpressure. Which notification frames it gets
 * is decided by its `NotificationStream`.
 */
export class Connection {
  /** Identifies this socket in room presence, across instances. */
  readonly id = randomUUID();
  readonly groups = new Set<string>();
  /** Rooms this socket joined (`room.join`); left when the socket closes. */
  readonly rooms = new Set<string>();
  /** Cleared on each ping, set by the pong; a socket still false at the next ping is dead. */
  alive = true;
  /** Which live and replayed notifications this socket is sent. */
  readonly stream: NotificationStream;
  private sends: Promise<unknown> = Promise.resolve();
  /** The token's expiry: `auth.expiring`, the 4401 close, and `auth.refresh` moving both. */
  readonly expiry: TokenExpiry;
  /** Corked bytes that are flushed at once rather than at the end of the tick (see `corkForTick`). */
  private readonly corkFlushBytes: number;
  /** Called after a frame that changes the user's counts in a way only the database can tell (set by the gateway: `LiveCounts.schedule`). */
  countsChanged?: () => void;
  /** Called after a live `notification` frame took its place in the socket's stream, sent or muted (set by the gateway: `LiveCounts.added`). */
  notificationAdded?: (position: StreamPosition, frame: Buffer) => void;
  /** Called when the user changed a preference (set by the gateway: reloads `mutedCategories`, then refreshes the counts). */
  preferencesChanged?: () => void;
  /** The user's muted categories: their (broadcast) notifications are not sent, unless critical. */
  mutedCategories: ReadonlySet<string> = new Set();

  constructor(
    readonly socket: WebSocket,
    readonly principal: Principal,
    private readonly maxBufferedBytes: number,
    highWater: HighWaterMark,
    /** The socket's TCP stream (`request.socket` of the upgrade), corked per tick while fanning out; none in unit tests. */
    private readonly transport?: Writable,
    /** Counts each notification frame written (`herald_deliveries_total`); none in unit tests. */
    private readonly deliveries?: DeliveryMeter,
    /** Replays what the socket lacks of its streams from the database (`CatchUp.fill`); none in unit tests. */
    fill: (connection: Connection) => void = () => undefined,
  ) {
    this.stream = new NotificationStream(
      {
        redeliver: (frame) => this.deliver(frame),
        overflow: () => this.socket.close(CloseCode.TryAgainLater, 'send buffer full'),
        fill: () => fill(this),
      },
      highWater,
      maxBufferedBytes,
    );
    this.corkFlushBytes = Math.min(CORK_FLUSH_BYTES, Math.floor(maxBufferedBytes / 8));
    this.expiry = new TokenExpiry(principal, {
      warn: (exp) => this.send(encodeFrame(ServerEvent.AuthExpiring, { exp })),
      expire: () => socket.close(CloseCode.TokenExpired, 'token expired'),
    });
  }

  /**
   * Writes one shared frame buffer as a text frame. A socket whose unsent
   * backlog passed the cap is closed with 1013 instead of buffering more,
   * so one slow reader never grows memory or delays the others.
   */
  readonly deliver: GroupSubscriber = (carried) => {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const counts = countsEffectOf(carried);
    if (counts === 'internal' || counts === 'preferences') {
      // A preference change refreshes the counts once the new mutes apply (the gateway's `preferencesChanged`), so that frame tells the client they do.
      if (counts === 'preferences' && this.preferencesChanged) this.preferencesChanged();
      else this.countsChanged?.();
      return;
    }
    // A notification travels with its stream position (stream-frame.ts), which the client never sees.
    const decoded = decodeStreamFrame(carried);
    const frame = decoded?.body ?? carried;
    const id = decoded ? notificationIdOf(frame) : null;
    if (id !== null && !this.stream.admit(id, carried, decoded!.position)) return;
    // Stored muted, or muted on this socket (a broadcast): it takes its place in the stream, and only the counts change.
    if (id !== null && (isSilentNotification(frame) || (this.mutedCategories.size > 0 && mutedOut(frame, this.mutedCategories)))) {
      this.stream.delivered();
      this.notificationAdded?.(decoded!.position, frame);
      return;
    }
    if (this.transport) corkForTick(this.transport, this.corkFlushBytes);
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.close(CloseCode.TryAgainLater, 'send buffer full');
      return;
    }
    this.socket.send(frame, { binary: false });
    if (id === null) {
      if (countsEffectOf(frame) === 'changed') this.countsChanged?.();
      return;
    }
    this.deliveries?.delivered(frame);
    this.stream.delivered();
    this.notificationAdded?.(decoded!.position, frame);
  };

  /** Sends a frame built for this socket alone. */
  send(frame: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  /**
   * Sends one replayed notification unless this socket already had it.
   * @returns whether it was sent.
   */
  sendReplayed(id: string, position: StreamPosition, frame: string): boolean {
    if (!this.stream.admitReplayed(id, position)) return false;
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

  /** Warns before the token's `exp` and closes the socket with 4401 when it passes (see `TokenExpiry`). */
  scheduleExpiry(): void {
    this.expiry.start();
  }

  get expired(): boolean {
    return this.expiry.expired;
  }

  dispose(): void {
    this.expiry.dispose();
    this.stream.dispose();
  }
}
