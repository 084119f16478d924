import { Connection, createConnection } from 'mysql2/promise';
import { Id } from './delivery-audit';

/**
 * A MySQL/MariaDB connection to the relay's cursor row (`outbox_cursors`,
 * stream `notifications`). Holding the row stands in for a relay that is
 * behind, or that died after publishing a batch but before moving the
 * cursor: every instance finds the row busy, so nothing stored meanwhile
 * is published, and catch-up reads of the position wait for the release.
 */
export class RelayCursor {
  private constructor(private readonly connection: Connection) {}

  static async open(databaseUrl: string): Promise<RelayCursor> {
    return new RelayCursor(await createConnection(databaseUrl));
  }

  /** Takes the row lock in an open transaction; resolves once it is held. */
  async hold(): Promise<void> {
    await this.connection.query('BEGIN');
    await this.connection.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications' FOR UPDATE");
  }

  /** Commits, releasing the row: the relays carry on from where the cursor stands. */
  async release(): Promise<void> {
    await this.connection.query('COMMIT');
  }

  /** The id up to which the relay has published. */
  async position(): Promise<Id> {
    const [rows] = (await this.connection.query("SELECT position FROM outbox_cursors WHERE stream = 'notifications'")) as unknown as [
      Array<{ position: string | number }>,
    ];
    return String(rows[0].position);
  }

  /** How many catch-up reads of the position (`... LOCK IN SHARE MODE`) are waiting on the held row, on any instance. */
  async waitingCatchUpReads(): Promise<number> {
    const [rows] = (await this.connection.query(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT position FROM outbox_cursors%LOCK IN SHARE MODE'",
    )) as unknown as [Array<{ n: number | string }>];
    return Number(rows[0].n);
  }

  /** Closes the connection; a transaction still open is rolled back by the server. */
  async close(): Promise<void> {
    await this.connection.end();
  }
}
