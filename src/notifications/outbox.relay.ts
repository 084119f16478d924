import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { TransactionRunner } from '../database/transaction-runner';
import { NotificationFrames } from './notification-frames';
import { OutboxEntry } from './outbox-entry.entity';
import { IdRange, OutboxStore } from './outbox.store';

/** Entries and rows published per relay transaction. */
const BATCH_ENTRIES = 200;
const BATCH_ROWS = 2_000;
/** How often every instance looks for entries nobody relayed (a crashed instance's), in ms. */
const POLL_MS = 1_000;
/** Retry delay while another instance holds the cursor and this one has work of its own, in ms. */
const BUSY_RETRY_MS = 5;
/** Backoff after a failed run (broadcaster or database down): doubles from 250 ms up to this, in ms. */
const MAX_BACKOFF_MS = 5_000;
/**
 * How long an id gap may stay open before the relay takes it for a
 * rolled-back insert and moves past it, in ms (MySQL). Transactions still
 * inserting in the gap are waited for with a locking read first.
 */
export const GAP_GRACE_MS = 2_000;
/** Retry delay once a gap's rows and entry are known to have committed, in ms. */
const GAP_RECHECK_MS = 1;
/** Retry delay while a gap holds rows with no outbox entry, in ms. */
const FOREIGN_ROWS_RECHECK_MS = 250;

type RunOutcome =
  | { kind: 'idle' }
  | { kind: 'more' }
  | { kind: 'busy' }
  | { kind: 'gap'; retryInMs: number };

/**
 * The outbox relay: publishes stored notifications to their groups in id
 * order, after commit, on whichever instance holds the stream's cursor.
 *
 * - Every commit of notification rows kicks the local relay, so live
 *   delivery follows the POST at once; a poll every second picks up
 *   entries that nobody relayed (an instance killed after its commit).
 * - One instance relays at a time (the cursor row is claimed with
 *   `FOR UPDATE SKIP LOCKED`), which keeps each recipient's frames in id
 *   order on every instance; publishing and moving the cursor share one
 *   transaction, so a crash or a broadcaster outage re-publishes a batch
 *   rather than losing it (connections drop the repeats by id).
 * - Ids commit out of order under concurrent writers. A gap below the next
 *   entry is waited for: its entry shows up when its transaction commits
 *   (that commit kicks the relay), and after `GAP_GRACE_MS` a locking read
 *   confirms no transaction still holds ids there before the gap is
 *   skipped as rolled back.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly frames = new NotificationFrames();
  /** First sighting (ms) of each open gap, by the gap's first id. */
  private readonly gaps = new Map<bigint, number>();
  private readonly gapGraceMs: number;
  private running: Promise<void> | null = null;
  private requested = false;
  /** Work is known to be waiting (a local commit, a full batch, a gap): a busy cursor is retried soon. */
  private pendingWork = false;
  /** The next run also clears entries that committed below the cursor (set by the poll). */
  private sweepDue = false;
  private stopped = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxStore,
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    @InjectDataSource() dataSource: DataSource,
  ) {
    // The embedded database runs one transaction at a time, so no insert is ever in flight during a run.
    this.gapGraceMs = dataSource.options.type === 'mysql' ? GAP_GRACE_MS : 0;
  }

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => {
      this.sweepDue = true;
      this.kick(false);
    }, POLL_MS);
    this.pollTimer.unref();
    this.kick(false);
  }

  /** Relays what this instance committed before the broadcaster and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /**
   * Asks for a run soon. `local` marks work committed by this instance: if
   * another instance holds the cursor, this one keeps retrying until it has
   * seen the work through.
   */
  kick(local = true): void {
    if (this.stopped) return;
    this.requested = true;
    if (local) this.pendingWork = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
      // A kick that landed between the loop's last check and here would otherwise wait for the poll.
      if (this.requested && !this.stopped) this.kick(false);
    });
  }

  /** Stops the relay after one last run, so entries committed by this instance are published before it exits. */
  async drain(): Promise<void> {
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    if (!this.stopped && this.pendingWork) this.kick();
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (this.requested) {
      this.requested = false;
      let outcome: RunOutcome;
      try {
        const sweep = this.sweepDue;
        this.sweepDue = false;
        outcome = await this.transactions.run((manager) => this.relayBatch(manager, sweep));
      } catch (error) {
        this.failures++;
        const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.failures - 1));
        if (this.failures === 1 || delay === MAX_BACKOFF_MS) {
          this.logger.warn(`relaying notifications failed (retrying in ${delay} ms; they are stored): ${(error as Error).message}`);
        }
        this.retryIn(delay);
        return;
      }
      if (this.failures > 0) this.logger.log(`relaying notifications recovered after ${this.failures} failed attempts`);
      this.failures = 0;
      if (outcome.kind === 'more') {
        this.requested = true;
        this.pendingWork = true;
      } else if (outcome.kind === 'gap') {
        this.pendingWork = true;
        this.retryIn(outcome.retryInMs);
      } else if (outcome.kind === 'busy' && this.pendingWork) {
        this.retryIn(BUSY_RETRY_MS);
      }
    }
  }

  private retryIn(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), ms);
    this.retryTimer.unref();
  }

  /** One relay transaction: claim the cursor, publish the next contiguous run of entries, move the cursor past them. */
  private async relayBatch(manager: EntityManager, sweep: boolean): Promise<RunOutcome> {
    const cursor = await this.outbox.lockCursor(manager);
    if (cursor === null) return { kind: 'busy' };
    this.pendingWork = false;
    if (sweep) await this.sweepLate(manager, cursor);
    const entries = await this.outbox.pending(manager, cursor, BATCH_ENTRIES);
    if (entries.length === 0) return { kind: 'idle' };

    let position = cursor;
    let rows = 0;
    let outcome: RunOutcome = { kind: entries.length === BATCH_ENTRIES ? 'more' : 'idle' };
    const ready: OutboxEntry[] = [];
    for (const entry of entries) {
      const range = rangeOf(entry);
      if (range.first > position + 1n) {
        const retryInMs = await this.waitForGap(manager, position, range.first);
        if (retryInMs > 0) {
          outcome = { kind: 'gap', retryInMs };
          break;
        }
      }
      ready.push(entry);
      position = range.last;
      rows += Number(range.last - range.first + 1n);
      if (rows >= BATCH_ROWS) {
        outcome = { kind: 'more' };
        break;
      }
    }

    await this.publish(manager, ready.map(rangeOf));
    if (position !== cursor) await this.outbox.moveCursor(manager, position);
    await this.outbox.remove(manager, ready);
    for (const first of this.gaps.keys()) if (first <= position) this.gaps.delete(first);
    return outcome;
  }

  /**
   * Entries wholly below the cursor committed after the relay had moved
   * past their ids as rolled back (see `waitForGap`): they are in the feed
   * but too late to push in order. Logged and removed.
   */
  private async sweepLate(manager: EntityManager, cursor: bigint): Promise<void> {
    const late = await this.outbox.behind(manager, cursor, BATCH_ENTRIES);
    if (late.length === 0) return;
    const ids = late.map((entry) => `${entry.firstId}..${entry.lastId}`).join(', ');
    this.logger.warn(`notification ids ${ids} committed after the relay had moved past them; they are in the feed but were not pushed live`);
    await this.outbox.remove(manager, late);
  }

  /**
   * Decides about ids `after+1 .. before-1`, missing from the outbox.
   * @returns 0 when the gap is rolled back and may be skipped, else how long to wait before looking again (ms).
   */
  private async waitForGap(manager: EntityManager, after: bigint, before: bigint): Promise<number> {
    const now = Date.now();
    const start = after + 1n;
    const seen = this.gaps.get(start) ?? now;
    this.gaps.set(start, seen);
    const age = now - seen;
    if (age < this.gapGraceMs) return this.gapGraceMs - age;
    // Waits for any transaction still inserting there. Rows found: their transaction committed, and
    // so did its outbox entry, which the next run's fresh snapshot sees.
    if (await this.outbox.anyStoredBetween(manager, after, before)) {
      if (await this.outbox.anyEntryBetween(manager, after, before)) return GAP_RECHECK_MS;
      // Rows without an entry were written by something other than Herald: never pushed live.
      if (age < 10 * this.gapGraceMs) return FOREIGN_ROWS_RECHECK_MS;
      this.logger.warn(`notification ids between ${after} and ${before} were stored without an outbox entry (not by Herald); they are not pushed live`);
    } else {
      this.logger.debug(`notification ids ${start}..${before - 1n} were never committed (rolled back); moving past them`);
    }
    this.gaps.delete(start);
    return 0;
  }

  /** Publishes the rows of the ranges, one frame per row, in id order; throws if any publish fails. */
  private async publish(manager: EntityManager, ranges: IdRange[]): Promise<void> {
    const rows = await this.outbox.rowsIn(manager, ranges);
    const publishes = rows.map((row) =>
      this.broadcaster.publish(row.recipient === null ? broadcastGroup() : userGroup(row.recipient), this.frames.encode(row)),
    );
    await Promise.all(publishes);
  }
}

function rangeOf(entry: OutboxEntry): IdRange {
  return { first: BigInt(entry.firstId), last: BigInt(entry.lastId) };
}
