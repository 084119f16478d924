import { QueryRunner, TableColumnOptions } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/**
 * Column shapes that mean the same on MySQL/MariaDB and SQLite, so one
 * migration file serves both deployments (see `SqlDialect`).
 */

/** BIGINT on MySQL; INTEGER on SQLite, where only `INTEGER PRIMARY KEY` may autoincrement. */
export function bigIntegerType(queryRunner: QueryRunner): string {
  return sqlDialect(queryRunner.connection.options.type).bigIntegerType;
}

/** A UTC timestamp with millisecond precision (DATETIME(3) on MySQL). */
export function timestampColumn(queryRunner: QueryRunner, name: string, isNullable: boolean): TableColumnOptions {
  return sqlDialect(queryRunner.connection.options.type).timestampColumn(name, isNullable);
}

/**
 * The collation that compares text exactly (case, accents and trailing
 * spaces) on MySQL: MariaDB's `utf8mb4_nopad_bin`, MySQL 8's
 * `utf8mb4_0900_bin`, else `utf8mb4_bin`. SQLite compares text exactly already.
 */
export async function exactTextCollation(queryRunner: QueryRunner): Promise<string> {
  for (const name of ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin']) {
    const rows = (await queryRunner.query('SHOW COLLATION WHERE Collation = ?', [name])) as unknown[];
    if (rows.length > 0) return name;
  }
  return 'utf8mb4_bin';
}
