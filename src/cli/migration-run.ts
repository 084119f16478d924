import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig, loadDotEnv } from '../config/load-config';
import { dataSourceOptions } from '../database/database.options';
import { runMigrations } from '../database/run-migrations';

/**
 * `npm run migration:run` applies pending migrations to the configured
 * database; `npm run migration:revert` undoes the last one.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const dataSource = await new DataSource(dataSourceOptions(loadConfig().database)).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      const applied = await runMigrations(dataSource);
      console.log(applied.length === 0 ? 'no pending migrations' : `applied: ${applied.map((m) => m.name).join(', ')}`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
