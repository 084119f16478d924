import { createConnection } from 'mysql2/promise';
import { TEST_DATABASE_URL } from './test-env';

/** Creates the e2e database when it does not exist yet (a fresh machine has `test`). */
export default async function globalSetup(): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  const database = url.pathname.slice(1);
  url.pathname = '/';
  const connection = await createConnection(url.toString());
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '')}\` CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
}
