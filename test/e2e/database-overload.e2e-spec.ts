import { createPool, Pool, PoolConnection } from 'mysql2/promise';
import { isDatabaseUnavailable } from '../../src/database/database-errors';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * A mysql2 pool whose wait queue is full refuses the next query with an
 * error that carries no code. Herald's pool has the same options
 * (`connectionLimit`, `queueLimit`), so that error must read as "the
 * database is unavailable" (503 `database_unavailable`, retry later), not
 * as a server bug (500).
 */
describe('a full database pool', () => {
  let pool: Pool;
  let held: PoolConnection;

  beforeAll(async () => {
    pool = createPool({ uri: TEST_DATABASE_URL, connectionLimit: 1, waitForConnections: true, queueLimit: 1 });
    held = await pool.getConnection();
  });

  afterAll(async () => {
    held.release();
    await pool.end();
  });

  it('refuses a query past queueLimit with an error Herald takes for an unavailable database', async () => {
    // The only connection is held: the first query waits in the queue, the second finds it full.
    const queued = pool.query('SELECT 1').then(
      () => 'answered',
      (error: unknown) => error,
    );
    const refused = await pool.query('SELECT 1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    held.release();
    await expect(queued).resolves.toBe('answered');
    held = await pool.getConnection();
  });

  it('still takes a bad query for what it is', async () => {
    const bad = await held.query('SELEC 1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(bad)).toBe(false);
  });
});
