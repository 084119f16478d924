import { DataSourceOptions, TableColumnOptions } from 'typeorm';

/**
 * Everything Herald does differently on MySQL/MariaDB and on the embedded
 * SQLite database, in one object, so stores, the delivery streams and migrations ask
 * the dialect instead of testing the driver type.
 */
export interface SqlDialect {
  readonly name: 'mysql' | 'sqlite';
  /**
   * True where transactions run side by side on pooled connections
   * (MySQL); false where one connection runs them one at a time (SQLite),
   * so no insert is ever in flight while another transaction reads.
   */
  readonly concurrentTransactions: boolean;
  /** True where several instances may share the database (MySQL): migrations take a named lock (`GET_LOCK`) and ids must be consecutive. */
  readonly sharedByInstances: boolean;
  /** Appended to a `SELECT` that must lock its rows and skip rows another transaction holds (empty on SQLite: its single writer is the lock). */
  readonly forUpdateSkipLocked: string;
  /** Appended to a `SELECT` that must wait for writers of its rows to commit (a shared lock; empty on SQLite). */
  readonly lockInShareMode: string;
  /** BIGINT on MySQL; INTEGER on SQLite, where only `INTEGER PRIMARY KEY` may autoincrement. */
  readonly bigIntegerType: string;
  /** A UTC timestamp column with millisecond precision (DATETIME(3) on MySQL). */
  timestampColumn(name: string, isNullable: boolean): TableColumnOptions;
  /** The first id of a multi-row `INSERT` of `rows` rows, from the driver's raw result (mysql2 reports the first, better-sqlite3 the last). */
  firstInsertId(raw: unknown, rows: number): bigint;
}

const MYSQL: SqlDialect = {
  name: 'mysql',
  concurrentTransactions: true,
  sharedByInstances: true,
  forUpdateSkipLocked: ' FOR UPDATE SKIP LOCKED',
  lockInShareMode: ' LOCK IN SHARE MODE',
  bigIntegerType: 'bigint',
  timestampColumn: (name, isNullable) => ({ name, type: 'datetime', precision: 3, isNullable }),
  firstInsertId: (raw) => BigInt((raw as { insertId: number | string }).insertId),
};

const SQLITE: SqlDialect = {
  name: 'sqlite',
  concurrentTransactions: false,
  sharedByInstances: false,
  forUpdateSkipLocked: '',
  lockInShareMode: '',
  bigIntegerType: 'integer',
  timestampColumn: (name, isNullable) => ({ name, type: 'datetime', isNullable }),
  firstInsertId: (raw, rows) => BigInt(raw as number | bigint) - BigInt(rows - 1),
};

/** The dialect of a TypeORM driver type; Herald supports `mysql` (also MariaDB) and `better-sqlite3`. */
export function sqlDialect(type: DataSourceOptions['type']): SqlDialect {
  if (type === 'mysql') return MYSQL;
  if (type === 'better-sqlite3') return SQLITE;
  throw new Error(`unsupported database driver: ${type}`);
}

/** Injection token for the `SqlDialect` of the open database. */
export const SQL_DIALECT = Symbol('SQL_DIALECT');
