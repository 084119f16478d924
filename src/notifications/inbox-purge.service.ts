import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { TransactionRunner } from '../database/transaction-runner';
import { Notification } from './notification.entity';
import { DELETE_BATCH, NotificationRemoval, RemovedRow } from './notification-removal';

/** How often every instance tries to run the purge, in ms: expired notifications leave sockets within about this. */
export const PURGE_INTERVAL_MS = 1_000;
/** How long a purge lease lasts; a holder that died frees it after this, in ms. */
const LEASE_MS = 30_000;
/** Most batches one run deletes per kind, so a large backlog is spread over runs. */
const MAX_BATCHES_PER_RUN = 20;

/**
 * The purge job: deletes expired notifications (telling their sockets
 * with `notification.deleted`) and those older than `RETENTION_DAYS`.
 *
 * Every instance runs it every second; a lease row in `inbox_jobs` (taken
 * with one conditional UPDATE) lets one run at a time, and lapses after
 * 30 s if its holder dies. Deletes go in batches of 500 rows by primary
 * key, each its own short transaction, so no run locks the table for long.
 * Retention walks the primary key from the oldest id (ids grow with time)
 * and stops at the first row young enough: no index on `created_at`.
 */
@Injectable()
export class InboxPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxPurge.name);
  private readonly holder = randomUUID();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly removal: NotificationRemoval,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run, unless one is already running here or another instance holds the lease. Never throws. */
  runOnce(): Promise<void> {
    this.running ??= this.run()
      .catch((error: Error) => this.logger.warn(`purging notifications failed (retrying in ${PURGE_INTERVAL_MS} ms): ${error.message}`))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    if (!(await this.takeLease())) return;
    try {
      await this.purgeExpired(new Date());
      await this.purgeOlderThan(new Date(Date.now() - this.config.inbox.retentionDays * 86_400_000));
    } finally {
      await this.releaseLease();
    }
  }

  private async purgeExpired(now: Date): Promise<void> {
    const repository = this.dataSource.getRepository(Notification);
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const rows: RemovedRow[] = await repository.find({
        select: { id: true, recipient: true },
        where: { expiresAt: LessThanOrEqual(now) },
        order: { expiresAt: 'ASC' },
        take: DELETE_BATCH,
      });
      await this.remove(rows);
      if (rows.length < DELETE_BATCH) return;
    }
  }

  private async purgeOlderThan(cutoff: Date): Promise<void> {
    const repository = this.dataSource.getRepository(Notification);
    let after = '0';
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const rows = await repository.find({
        select: { id: true, recipient: true, createdAt: true },
        where: { id: MoreThan(after) },
        order: { id: 'ASC' },
        take: DELETE_BATCH,
      });
      const old = rows.filter((row) => row.createdAt < cutoff);
      await this.remove(old);
      if (old.length < rows.length || rows.length < DELETE_BATCH) return;
      after = rows[rows.length - 1].id;
    }
  }

  private async remove(rows: RemovedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.transactions.run((manager) => this.removal.deleteRows(manager, rows));
    this.removal.announce(rows);
  }

  /** Takes (or renews) the lease with one conditional UPDATE; true when this instance holds it. */
  private async takeLease(): Promise<boolean> {
    const now = new Date();
    const result = await this.dataSource
      .createQueryBuilder()
      .update('inbox_jobs')
      .set({ holder: this.holder, lease_until: new Date(now.getTime() + LEASE_MS) })
      .where('name = :name', { name: 'purge' })
      .andWhere('(lease_until IS NULL OR lease_until < :now OR holder = :holder)', { now, holder: this.holder })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  private async releaseLease(): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update('inbox_jobs')
      .set({ holder: null, lease_until: null })
      .where('name = :name AND holder = :holder', { name: 'purge', holder: this.holder })
      .execute();
  }
}
