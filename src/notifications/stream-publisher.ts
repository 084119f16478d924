import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { TransactionRunner } from '../database/transaction-runner';
import { BROADCAST_STREAM, DeliveryStreamStore } from './delivery-stream.store';
import { NotificationFrames } from './notification-frames';
import { Notification } from './notification.entity';
import { encodeStreamFrame, StreamPosition } from './stream-frame';

/** How long published numbers are collected before one statement records them, in ms. */
const MARK_EVERY_MS = 100;

/** One committed notification and its place in its stream. */
export interface Publishable {
  row: Notification;
  position: StreamPosition;
}

/**
 * Publishes notifications right after the transaction that stored them
 * commits, from the instance that committed it: no relay hop, no cursor
 * holder. What was handed to the broadcaster is recorded in
 * `delivery_streams.published_seq` a little later, in one statement per
 * `MARK_EVERY_MS`; a publish that fails (Redis down) or never happens (the
 * instance died after its commit) leaves its stream pending, and the
 * `PublishSweep` of some instance publishes it a few seconds later.
 * Sockets drop what they already had, so a frame published twice is
 * harmless.
 */
@Injectable()
export class StreamPublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamPublisher.name);
  private readonly frames = new NotificationFrames();
  /** Newest number handed to the broadcaster per stream, not yet recorded. */
  private marks = new Map<string, number>();
  private markTimer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();
  private failing = false;
  /** Settles when every publish of the round under way was answered; null when none is. */
  private round: Promise<void> | null = null;
  /** Rows committed while a round was under way: the next round publishes them together. */
  private waiting: Publishable[] = [];

  constructor(
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    private readonly streams: DeliveryStreamStore,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Publishes committed rows in the order given (per stream, that is number order). Never throws: a failure leaves the rows to the sweep. */
  publish(items: readonly Publishable[]): void {
    if (this.round) {
      // Coalesced: published in one pipelined write as soon as the round under way is answered (docs/performance.md).
      for (const item of items) this.waiting.push(item);
      return;
    }
    const sends: Promise<void>[] = [];
    for (const { row, position } of items) {
      const stream = row.recipient ?? BROADCAST_STREAM;
      const group = row.recipient === null ? broadcastGroup() : userGroup(row.recipient);
      const sent = this.broadcaster.publish(group, encodeStreamFrame(position, this.frames.encode(row))).then(
        () => {
          this.failing = false;
          if ((this.marks.get(stream) ?? 0) < position.seq) this.marks.set(stream, position.seq);
          this.scheduleMark();
        },
        (error: Error) => {
          if (!this.failing) this.logger.warn(`publishing notifications failed (stored; the publish sweep retries them): ${error.message}`);
          this.failing = true;
        },
      );
      this.inFlight.add(sent);
      sends.push(sent);
      void sent.finally(() => this.inFlight.delete(sent));
    }
    this.startRound(sends);
  }

  /**
   * While a round of publishes waits for Redis, rows that commit are
   * queued, then published together in one tick: ioredis pipelines them
   * into one write, Redis forwards them to each subscribing instance in one
   * write, and each socket's tick cork sends them in one `writev`. An idle
   * publisher publishes at once; a busy one waits at most one round trip.
   */
  private startRound(sends: Promise<void>[]): void {
    if (sends.length === 0) return;
    const round = Promise.all(sends).then(() => {
      this.round = null;
      // Commits of one stream can reach this instance out of order (their connections are read in any order): number order again.
      const next = this.waiting.sort((a, b) => (a.position.kind === b.position.kind ? a.position.seq - b.position.seq : a.position.kind === 'b' ? -1 : 1));
      this.waiting = [];
      if (next.length > 0) this.publish(next);
    });
    this.round = round;
  }

  /** Waits for the publishes under way and records them, before the broadcaster and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.round) await this.round;
    await Promise.all([...this.inFlight]);
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    await this.recordMarks();
  }

  private scheduleMark(): void {
    if (this.markTimer) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      void this.recordMarks();
    }, MARK_EVERY_MS);
    this.markTimer.unref();
  }

  private async recordMarks(): Promise<void> {
    if (this.marks.size === 0) return;
    const marks = this.marks;
    this.marks = new Map();
    try {
      await this.transactions.runStatement((manager) => this.streams.markPublished(manager, marks, Date.now()));
    } catch (error) {
      // Harmless: the sweep publishes those streams again, and sockets drop what they had.
      this.logger.debug(`recording published notifications failed: ${(error as Error).message}`);
    }
  }
}
