import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/herald.config';
import { MIGRATIONS } from './migrations';

/**
 * The one place that turns config into TypeORM options. Schema changes come
 * only from `migrations/`; `synchronize` stays off. Entities are not listed
 * here: each feature module registers its own (`TypeOrmModule.forFeature`)
 * and `DatabaseModule` loads them (`autoLoadEntities`).
 */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = { migrations: MIGRATIONS, synchronize: false as const, migrationsRun: false as const };
  if (config.kind === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      url: config.url,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      // Fail fast when MySQL is down or hung: requests get 503 instead of waiting.
      connectTimeout: 2_000,
      extra: { connectionLimit: 20, waitForConnections: true, queueLimit: 1_000 },
    };
  }
  if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.path,
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
