import { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column shapes that mean the same on MySQL/MariaDB and SQLite, so one
 * migration file serves both deployments.
 */

/** BIGINT on MySQL; INTEGER on SQLite, where only `INTEGER PRIMARY KEY` may autoincrement. */
export function bigIntegerType(queryRunner: QueryRunner): string {
  return isMysql(queryRunner) ? 'bigint' : 'integer';
}

/** A UTC timestamp with millisecond precision (DATETIME(3) on MySQL). */
export function timestampColumn(queryRunner: QueryRunner, name: string, isNullable: boolean): TableColumnOptions {
  return isMysql(queryRunner)
    ? { name, type: 'datetime', precision: 3, isNullable }
    : { name, type: 'datetime', isNullable };
}

function isMysql(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'mysql';
}
