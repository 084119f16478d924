import { randomBytes } from 'node:crypto';

/**
 * The machine's real MariaDB/MySQL and Redis. Override with
 * TEST_DATABASE_URL / TEST_REDIS_URL; runs are isolated by unique user ids
 * and Redis prefixes, never by sharing rows.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
/** The secret every test app verifies with (32+ bytes). */
export const TEST_JWT_SECRET = 'herald-test-secret-0123456789abcdef-0123456789';

/** A value unique to this run, for user ids, keys and prefixes. */
export function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
