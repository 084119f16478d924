import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { COUNTS_CHANGED_FRAME } from '../common/server-frame';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { NotificationFrames } from './notification-frames';
import { Notification } from './notification.entity';
import { OutboxStore } from './outbox.store';

/** Rows published per relay transaction. */
const BATCH_ROWS = 2_000;
/** How often every instance looks for rows nobody relayed (a crashed instance's), in ms. */
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
/** Retry delay once a gap's rows are known to have committed, in ms. */
const GAP_RECHECK_MS = 1;

type RunOutcome = { kind: 'idle' } | { kind: 'more' } | { kind: 'busy' } | { kind: 'gap'; retryInMs: number };

/**
 * The outbox relay: publishes stored notifications to their groups in id
 * order, after commit, on whichever instance holds the stream's cursor.
 *
 * - The `notifications` table is the outbox: the relay reads committed
 *   rows above its cursor. Every commit of notification rows kicks the
 *   local relay, so live delivery follows the POST at once; a poll every
 *   second picks up rows that nobody relayed (an instance killed after
 *   its commit).
 * - One instance relays at a time (the cursor row is claimed with
 *   `FOR UPDATE SKIP LOCKED`), which keeps each recipient's frames in id
 *   order on every instance; publishing and moving the cursor share one
 *   transaction, so a crash or a broadcaster outage re-publishes a batch
 *   rather than losing it (connections drop the repeats by id).
 * - Ids commit out of order under concurrent writers. A gap below the next
 *   committed row is waited for: its rows show up when their transaction
 *   commits (that commit kicks the relay), and after `GAP_GRACE_MS` a
 *   locking read confirms no transaction still holds ids there before the
 *   gap is skipped as rolled back.
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
  private stopped = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxStore,
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    @Inject(SQL_DIALECT) dialect: SqlDialect,
  ) {
    // The embedded database runs one transaction at a time, so no insert is ever in flight during a run.
    this.gapGraceMs = dialect.concurrentTransactions ? GAP_GRACE_MS : 0;
  }

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => this.kick(false), POLL_MS);
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

  /** Stops the relay after one last run, so rows committed by this instance are published before it exits. */
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
        outcome = await this.transactions.run((manager) => this.relayBatch(manager));
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

  /** One relay transaction: claim the cursor, publish the next contiguous run of committed rows, move the cursor past them. */
  private async relayBatch(manager: EntityManager): Promise<RunOutcome> {
    const cursor = await this.outbox.lockCursor(manager);
    if (cursor === null) return { kind: 'busy' };
    this.pendingWork = false;
    const rows = await this.outbox.rowsAfter(manager, cursor, BATCH_ROWS);
    if (rows.length === 0) return { kind: 'idle' };

    let position = cursor;
    let ready = rows.length;
    let outcome: RunOutcome = { kind: rows.length === BATCH_ROWS ? 'more' : 'idle' };
    for (let i = 0; i < rows.length; i++) {
      const id = BigInt(rows[i].id);
      if (id > position + 1n) {
        const retryInMs = await this.waitForGap(manager, position, id);
        if (retryInMs > 0) {
          outcome = { kind: 'gap', retryInMs };
          ready = i;
          break;
        }
      }
      position = id;
    }

    await this.publish(ready === rows.length ? rows : rows.slice(0, ready));
    if (position !== cursor) await this.outbox.moveCursor(manager, position);
    for (const first of this.gaps.keys()) if (first <= position) this.gaps.delete(first);
    return outcome;
  }

  /**
   * Decides about ids `after+1 .. before-1`, missing from this
   * transaction's snapshot.
   * @returns 0 when the gap is rolled back and may be skipped, else how long to wait before looking again (ms).
   */
  private async waitForGap(manager: EntityManager, after: bigint, before: bigint): Promise<number> {
    const now = Date.now();
    const start = after + 1n;
    const seen = this.gaps.get(start) ?? now;
    this.gaps.set(start, seen);
    const age = now - seen;
    if (age < this.gapGraceMs) return this.gapGraceMs - age;
    // Waits for any transaction still inserting there. Rows found: their transaction has committed
    // since this snapshot was taken, and the next run's fresh snapshot sees them.
    if (await this.outbox.anyStoredBetween(manager, after, before)) return GAP_RECHECK_MS;
    this.logger.debug(`notification ids ${start}..${before - 1n} were never committed (rolled back); moving past them`);
    this.gaps.delete(start);
    return 0;
  }

  /** Publishes the rows, one frame each, in id order; throws if any publish fails. A muted row is stored, not pushed: only its counts change. */
  private async publish(rows: readonly Notification[]): Promise<void> {
    await Promise.all(
      rows.map((row) =>
        this.broadcaster.publish(
          row.recipient === null ? broadcastGroup() : userGroup(row.recipient),
          row.muted ? COUNTS_CHANGED_FRAME : this.frames.encode(row),
        ),
      ),
    );
  }
}
