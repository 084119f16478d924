import { DataSource, Migration } from 'typeorm';
import { sqlDialect } from './sql-dialect';

const LOCK_NAME = 'herald_migrations';
const LOCK_TIMEOUT_SECONDS = 60;

/**
 * Applies pending migrations. On MySQL a named lock (GET_LOCK) makes
 * instances that start together take turns, so only one applies each
 * migration; SQLite is single-instance by design.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (!sqlDialect(dataSource.options.type).sharedByInstances) return dataSource.runMigrations({ transaction: 'each' });
  await assertConsecutiveAutoIncrement(dataSource);
  const queryRunner = dataSource.createQueryRunner();
  try {
    const [row] = (await queryRunner.query('SELECT GET_LOCK(?, ?) AS acquired', [LOCK_NAME, LOCK_TIMEOUT_SECONDS])) as Array<{
      acquired: number | string | null;
    }>;
    if (Number(row?.acquired) !== 1) throw new Error(`could not take the ${LOCK_NAME} lock within ${LOCK_TIMEOUT_SECONDS}s`);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await queryRunner.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await queryRunner.release();
  }
}

/**
 * A multi-row insert's ids are derived as first id + row index, which holds
 * only with `auto_increment_increment = 1` (Galera and Group Replication
 * raise it). Refuse to start rather than hand out other rows' ids.
 */
async function assertConsecutiveAutoIncrement(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<Array<{ increment: number | string }>>('SELECT @@auto_increment_increment AS increment');
  if (Number(row?.increment) !== 1) {
    throw new Error(`auto_increment_increment is ${row?.increment}; Herald needs 1 (set it for Herald's sessions or the server)`);
  }
}
