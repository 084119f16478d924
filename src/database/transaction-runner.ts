import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SQL_DIALECT, SqlDialect } from './sql-dialect';

/**
 * Runs units of work in a transaction. On MySQL each gets its own pooled
 * connection. The embedded SQLite driver has a single connection, where
 * overlapping transactions would nest or share a ROLLBACK, so there they
 * run one at a time, in arrival order. Every write goes through here.
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) private readonly dialect: SqlDialect,
  ) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect.concurrentTransactions) return this.dataSource.transaction(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    // The queue only orders work; each caller sees its own outcome through `result`.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Runs work that issues a single write statement, which is atomic by
   * itself: on MySQL without BEGIN/COMMIT (autocommit, one round trip
   * instead of three); on SQLite through the same queue as `run`.
   */
  runStatement<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect.concurrentTransactions) return work(this.dataSource.manager);
    return this.run(work);
  }
}
