import { Connection, createConnection } from 'mysql2/promise';

/**
 * A MySQL/MariaDB connection to a deployment's delivery tables, for fault
 * tests that need to stall, inspect or undo what the instances do:
 * lock `notifications` so every replay waits, see whether the streams'
 * publishes were recorded, or forget that they were so the publish sweep
 * sends them again (docs/delivery.md).
 */
export class DeliveryDatabase {
  private constructor(private readonly connection: Connection) {}

  static async open(databaseUrl: string): Promise<DeliveryDatabase> {
    return new DeliveryDatabase(await createConnection(databaseUrl));
  }

  /** Takes a WRITE table lock on `notifications`: every other read of it (resumes, catch-ups, gap fills) waits until `unlockNotifications`. */
  async lockNotifications(): Promise<void> {
    await this.connection.query('LOCK TABLES notifications WRITE');
  }

  async unlockNotifications(): Promise<void> {
    await this.connection.query('UNLOCK TABLES');
  }

  /**
   * How many replay reads of `notifications` (on any instance) are waiting for the table lock.
   * The inbox's counts reads use the same alias; they aggregate (`COUNT(*)`), replays do not,
   * and a test that waits for stalled replays must not be satisfied by stalled counts.
   */
  async waitingReplays(): Promise<number> {
    const [rows] = (await this.connection.query(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT %FROM `notifications` `n`%' AND INFO NOT LIKE '%COUNT(*)%' AND STATE LIKE '%lock%'",
    )) as unknown as [Array<{ n: number | string }>];
    return Number(rows[0].n);
  }

  /** Whether every notification stored for `users` was recorded as published. */
  async allPublished(users: readonly string[]): Promise<boolean> {
    const [rows] = (await this.connection.query('SELECT COUNT(*) AS n FROM delivery_streams WHERE stream IN (?) AND published_seq < last_seq', [
      users,
    ])) as unknown as [Array<{ n: number | string }>];
    return Number(rows[0].n) === 0;
  }

  /**
   * Forgets that the user's notifications were published, as an instance
   * that died after publishing but before recording it leaves them: the
   * publish sweep of some instance publishes all of them again.
   */
  async forgetPublished(user: string): Promise<void> {
    await this.connection.query('UPDATE delivery_streams SET published_seq = 0, pending_since = 1 WHERE stream = ?', [user]);
  }

  /** Closes the connection; a table lock still held is released by the server. */
  async close(): Promise<void> {
    await this.connection.end();
  }
}
