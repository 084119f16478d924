import { createHash } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { TEST_DATABASE_URL } from './test-env';

/** Databases this process created, with how many open apps use each. */
const users = new Map<string, number>();
const creating = new Map<string, Promise<void>>();

/**
 * A database of its own for each Herald deployment a test boots (apps that
 * share a Redis prefix share one): the outbox relay of a deployment
 * publishes every notification in its database to its own prefix, so
 * deployments must not share a database, in tests as in production.
 * Created on the server of `TEST_DATABASE_URL`; migrations run at app
 * start-up. Release it with `releaseTestDatabase` when the app closes.
 */
export async function acquireTestDatabase(redisPrefix: string): Promise<string> {
  const name = `herald_t_${createHash('sha256').update(redisPrefix).digest('hex').slice(0, 16)}`;
  const url = new URL(TEST_DATABASE_URL);
  users.set(name, (users.get(name) ?? 0) + 1);
  if (!creating.has(name)) creating.set(name, query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4`));
  await creating.get(name);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database once the last app using it closed. */
export async function releaseTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const count = (users.get(name) ?? 1) - 1;
  if (count > 0) {
    users.set(name, count);
    return;
  }
  users.delete(name);
  creating.delete(name);
  await query(`DROP DATABASE IF EXISTS \`${name}\``);
}

async function query(sql: string): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = '/';
  const connection = await createConnection(url.toString());
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}
