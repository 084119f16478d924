import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import WebSocket from 'ws';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { compareIds } from '../common/record-id';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { HERALD_METRICS, HeraldMetrics } from '../metrics/herald-metrics';
import { NotificationReplay, ReplayCursor } from '../notifications/notification-replay.service';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import { CloseCode, encodeFrame, RESUME_LIMIT, ServerEvent } from './protocol';
import { ReplayLimiter } from './replay-limiter';

/** Sockets caught up at once after a broadcaster outage. */
const CATCH_UP_CONCURRENCY = 8;

/**
 * Replays what sockets missed, from the database: a client's resume
 * (`?since=` or `resume`), and every socket's catch-up after a
 * broadcaster interruption (a few sockets at a time; until its turn a
 * socket drops live notifications, which its replay covers). Every
 * replay's query takes a turn of one `ReplayLimiter` (`REPLAY_CONCURRENCY`),
 * so a reconnect storm reaches the database a bounded number at a time.
 */
@Injectable()
export class CatchUp implements OnApplicationBootstrap {
  private readonly logger = new Logger(CatchUp.name);
  /** Broadcaster interruptions so far; a catch-up belongs to the one it follows. */
  private interruptions = 0;
  /** False from a broadcaster interruption until its subscriptions are back. */
  private subscribed = true;
  private readonly limiter: ReplayLimiter;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly replays: NotificationReplay,
    @Inject(GROUP_BROADCASTER) broadcaster: GroupBroadcaster,
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    @Inject(HERALD_METRICS) metrics: HeraldMetrics,
  ) {
    this.limiter = new ReplayLimiter(config.realtime.replayConcurrency);
    metrics.observeReplays(() => this.limiter.stats());
    broadcaster.onInterrupted(() => {
      this.interruptions++;
      this.subscribed = false;
      for (const connection of this.registry.values()) connection.stream.interrupt();
    });
    broadcaster.onResubscribed(() => {
      this.subscribed = true;
      void this.catchUpAll(this.interruptions);
    });
  }

  /**
   * Call when a socket is registered, before it subscribes: a socket that
   * connects while the broadcaster is interrupted may be told its groups
   * are subscribed (another socket holds them) while frames for it are
   * being lost, so it is marked for the catch-up that follows.
   */
  admit(connection: Connection): void {
    if (!this.subscribed) connection.stream.interrupt();
  }

  /** Starts the instance's high-water mark at the newest stored id, so early sockets catch up from there. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      this.registry.highWater.raise(await this.replays.newestId());
    } catch (error) {
      this.logger.warn(`reading the newest notification id failed; sockets catch up from their own ids only: ${(error as Error).message}`);
    }
  }

  /**
   * Makes a socket that asked for no replay ready: reads where its two
   * streams stand (so that a later frame whose predecessor is missing is
   * noticed), then runs `sendReady` and goes live. Frames arriving
   * meanwhile are held and follow. A failed read only costs the gap check
   * of the first frame of each stream.
   */
  start(connection: Connection, sendReady: () => void): Promise<void> {
    const { stream } = connection;
    return stream.replay(async () => {
      try {
        const positions = await this.limited(connection, () => this.replays.positions(connection.principal.sub));
        if (positions) stream.startAt(positions);
      } catch (error) {
        this.logger.warn(`reading the stream positions of ${connection.principal.sub} failed: ${(error as Error).message}`);
      }
      sendReady();
    });
  }

  /**
   * A frame reached the socket ahead of an earlier one of its stream that
   * did not follow within `GAP_WAIT_MS` (its publish is slow, or was lost):
   * replays from the database what the socket lacks, without `resumed`.
   * A failure closes the socket with 1013 (the client resumes).
   */
  fill(connection: Connection): void {
    const { stream } = connection;
    stream
      .replay(async () => {
        const cursor = stream.cursor();
        await this.send(connection, cursor, RESUME_LIMIT, older(cursor.targeted, cursor.broadcast));
      })
      .catch((error: Error) => {
        this.logger.warn(`filling a gap for ${connection.principal.sub} failed: ${error.message}`);
        connection.socket.close(CloseCode.TryAgainLater, 'catch-up failed');
      });
  }

  /**
   * Sends what the user missed since `requested` (oldest first; `resync`
   * and the newest page when more than `RESUME_LIMIT`), then `resumed`
   * with how many were sent. A pending catch-up (broadcaster interruption)
   * starts from its own cursor when that is older. Live notifications
   * arriving meanwhile follow the replay, each id once.
   * @throws whatever the database throws; the caller closes the socket, since it may now lack ids below its watermark.
   */
  resume(connection: Connection, requested?: string, interruption?: number): Promise<void> {
    const { stream } = connection;
    return stream.replay(async () => {
      if (interruption !== undefined && interruption !== this.interruptions) return;
      if (requested !== undefined) stream.acknowledge(requested);
      // While the broadcaster is down, a pending catch-up must wait for it: frames published until then are lost to this instance.
      const pending = this.subscribed ? stream.takeCatchUpCursor() : null;
      const asked: ReplayCursor | null = requested === undefined ? null : { targeted: requested, broadcast: requested };
      const cursor =
        asked && pending ? { targeted: older(asked.targeted, pending.targeted), broadcast: older(asked.broadcast, pending.broadcast) } : (asked ?? pending);
      if (cursor === null) return;
      const since = requested ?? older(cursor.targeted, cursor.broadcast);
      const count = await this.send(connection, cursor, RESUME_LIMIT, since);
      connection.send(encodeFrame(ServerEvent.Resumed, { since, count }));
    });
  }

  /**
   * Replays what the user has after `cursor` (`resync` first when more than
   * `limit`, with `since`), each once, and moves the socket's streams to
   * the replay's snapshot; returns how many were sent.
   */
  private async send(connection: Connection, cursor: ReplayCursor, limit: number, since: string): Promise<number> {
    const page = await this.limited(connection, () => this.replays.missedSince(connection.principal.sub, cursor, limit));
    if (page === null) return 0;
    const { items, truncated, positions } = page;
    if (truncated) connection.send(encodeFrame(ServerEvent.Resync, { since, limit }));
    let count = 0;
    let admitted = false;
    for (const { view, position, silent } of items) {
      // Muted or expired, or a broadcast this socket mutes (as live delivery): it takes its place in the stream, and sends nothing.
      if (silent || (position.kind === 'b' && view.severity !== 'critical' && connection.mutedCategories.has(view.category ?? 'general'))) {
        if (connection.stream.admitReplayed(view.id, position)) admitted = true;
      } else if (connection.sendReplayed(view.id, position, encodeFrame(ServerEvent.Notification, view))) {
        count++;
        admitted = true;
      }
    }
    if (positions) connection.stream.replayedUpTo(positions);
    // What the replay brought (a gap fill, a catch-up) changes the counts, as live delivery does.
    if (admitted) connection.countsChanged?.();
    return count;
  }

  /** Runs a socket's query in its turn of the limiter; null, without querying, when the socket closed while it waited (a storm of clients that time out and retry). */
  private limited<T>(connection: Connection, query: () => Promise<T>): Promise<T | null> {
    return this.limiter.run(async () => (connection.socket.readyState === WebSocket.OPEN ? query() : null));
  }

  /** After a broadcaster outage: replays each open socket's notifications from the newest id it was sent before the interruption. */
  private async catchUpAll(interruption: number): Promise<void> {
    const connections = [...this.registry.values()];
    this.logger.log(`broadcaster reconnected: catching up ${connections.length} sockets from the database`);
    const next = connections.values();
    const worker = async () => {
      for (const connection of next) {
        // A newer interruption started: its own catch-up takes over from the cursors kept on the sockets.
        if (interruption !== this.interruptions) return;
        if (connection.socket.readyState !== WebSocket.OPEN) continue;
        try {
          await this.resume(connection, undefined, interruption);
        } catch (error) {
          this.logger.warn(`catching up ${connection.principal.sub} failed: ${(error as Error).message}`);
          connection.socket.close(CloseCode.TryAgainLater, 'catch-up failed');
        }
      }
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
  }
}

/** The older (smaller) of two ids. */
function older(a: string, b: string): string {
  return compareIds(a, b) <= 0 ? a : b;
}
