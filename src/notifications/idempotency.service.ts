import { createHash } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, LessThan } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { IdempotencyRecord } from './idempotency-record.entity';

/** How long a key is remembered, in ms. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * `Idempotency-Key` records for `POST /notifications`: the key is claimed
 * inside the same transaction that stores the notifications, so a retry
 * either finds the committed outcome or (when the first try rolled back)
 * runs afresh. Concurrent retries serialize on the primary key.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Inserts the claim row; throws a unique violation when the key is taken. */
  async claim(manager: EntityManager, caller: string, key: string, requestHash: string, response: unknown, at: Date): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyRecord)
      .values({ caller, key, requestHash, response: JSON.stringify(response), createdAt: at })
      .updateEntity(false)
      .execute();
  }

  /** The live (unexpired) record of a key, deleting an expired one so the key can be reused. */
  async findLive(caller: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    const repository = this.dataSource.getRepository(IdempotencyRecord);
    const record = await repository.findOne({ where: { caller, key } });
    if (!record) return null;
    if (now.getTime() - record.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) return record;
    await this.transactions.run((manager) => manager.getRepository(IdempotencyRecord).delete({ caller, key, createdAt: record.createdAt }));
    return null;
  }

  /** SHA-256 of the request body in a canonical form (object keys sorted). */
  hashRequest(body: unknown): string {
    return createHash('sha256').update(canonicalJson(body)).digest('hex');
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => {
      this.prune().catch((error: Error) => this.logger.warn(`pruning idempotency keys failed: ${error.message}`));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** Deletes records past the 24-hour window. */
  async prune(now = new Date()): Promise<void> {
    await this.transactions.run((manager) =>
      manager.getRepository(IdempotencyRecord).delete({ createdAt: LessThan(new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS)) }),
    );
  }
}

/** JSON with object keys sorted at every depth, so equal bodies hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
