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

  constructor(
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    private readonly streams: DeliveryStreamStore,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Publishes committed rows in the order given (per stream, that is number order). Never throws: a failure leaves the rows to the sweep. */
  publish(items: readonly Publishable[]): void {
    const now = Date.now();
    for (const { row, position } of items) {
      const stream = row.recipient ?? BROADCAST_STREAM;
      const group = row.recipient === null ? broadcastGroup() : userGroup(row.recipient);
      // A muted (or expired) row is not pushed, but keeps its place in the stream (a silent frame), so sockets see no gap.
      const frame = this.frames.encodeForStream(row, now);
      const sent = this.broadcaster.publish(group, encodeStreamFrame(position, frame)).then(
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
      void sent.finally(() => this.inFlight.delete(sent));
    }
  }

  /** Waits for the publishes under way and records them, before the broadcaster and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
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
