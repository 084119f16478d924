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
