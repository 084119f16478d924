import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { TransactionRunner } from '../database/transaction-runner';
import { BROADCAST_STREAM, DeliveryStreamStore } from './delivery-stream.store';
import { NotificationFrames } from './notification-frames';
import { encodeStreamFrame } from './stream-frame';

/** A stream pending this long is taken for one whose publish was lost (its instance died, or Redis failed), in ms. */
export const SWEEP_AFTER_MS = 2_000;
/** How often each instance sweeps, in ms (with up to a quarter of it added at random, so instances spread out). */
const SWEEP_EVERY_MS = 1_000;
/** Streams claimed per sweep transaction. */
const STREAMS_PER_RUN = 100;
/** Backoff after a failed sweep (broadcaster or database down): doubles from 250 ms up to this, in ms. */
const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes what was committed but never recorded as published: streams
 * whose `pending_since` is older than `SWEEP_AFTER_MS`. Every instance
 * sweeps; each claims streams with `FOR UPDATE SKIP LOCKED`, so instances
 * share the work instead of waiting for one another, and a stream's
 * writers wait for the sweep of that stream only. In a healthy deployment
 * it finds nothing: the committing instance published already.
 */
@Injectable()
export class PublishSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PublishSweep.name);
  private readonly frames = new NotificationFrames();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly streams: DeliveryStreamStore,
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(SWEEP_EVERY_MS * Math.random());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep now (also what the timer runs); resolves when it is done. */
  sweep(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.sweep().then(() => this.schedule(this.nextDelay()));
    }, ms);
    this.timer.unref();
  }

  private nextDelay(): number {
    if (this.failures > 0) return Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.failures - 1));
    return SWEEP_EVERY_MS * (1 + Math.random() / 4);
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const claimed = await this.transactions.run((manager) => this.sweepBatch(manager));
        if (claimed < STREAMS_PER_RUN || this.stopped) break;
      }
      if (this.failures > 0) this.logger.log(`publishing pending notifications recovered after ${this.failures} failed attempts`);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1) this.logger.warn(`publishing pending notifications failed (they are stored; retrying): ${(error as Error).message}`);
    }
  }

  /** Claims stale streams, publishes their unpublished rows in order, marks them published; throws (rolling back) if a publish fails. */
  private async sweepBatch(manager: EntityManager): Promise<number> {
    const stale = await this.streams.claimStale(manager, Date.now() - SWEEP_AFTER_MS, STREAMS_PER_RUN);
    for (const stream of stale) {
      const missing = stream.lastSeq - stream.publishedSeq;
      if (missing > 0) {
        const rows = await this.streams.newestRows(manager, stream.stream, missing);
        const group = stream.stream === BROADCAST_STREAM ? broadcastGroup() : userGroup(stream.stream);
        const now = Date.now();
        await Promise.all(
          rows.map((row) =>
            this.broadcaster.publish(
              group,
              encodeStreamFrame(
                { kind: row.recipient === null ? 'b' : 't', seq: row.seq ?? 0, after: 0 },
                // Muted or expired but not yet purged: it keeps its place in the stream, as in the publisher and replays.
                this.frames.encodeForStream(row, now),
              ),
            ),
          ),
        );
        this.logger.debug(`published ${rows.length} pending notifications of a stream`);
      }
      await this.streams.markSwept(manager, stream.stream, stream.lastSeq);
    }
    return stale.length;
  }
}
