import { Connection, createConnection } from 'mysql2/promise';
import { Id } from './delivery-audit';

/**
 * A MySQL/MariaDB connection that stores notifications the way Herald does
 * (docs/delivery.md: the broadcast stream row in share mode, the user's
 * stream row, the next number, the row) inside a transaction the test
 * controls, and never publishes them: a writer that is slow to commit, one
 * that rolls back, or an instance that died between its commit and its
 * publish.
 */
export class StreamWriter {
  private constructor(private readonly connection: Connection) {}

  static async open(databaseUrl: string): Promise<StreamWriter> {
    return new StreamWriter(await createConnection({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: true }));
  }

  async begin(): Promise<void> {
    await this.connection.query('BEGIN');
  }

  /** Takes the recipient's next number and inserts the row (with `collapseKey`, if given); returns its id (the transaction stays open). */
  async insert(recipient: string, type: string, collapseKey: string | null = null): Promise<Id> {
    await this.connection.query("SELECT last_seq FROM delivery_streams WHERE stream = '' LOCK IN SHARE MODE");
    await this.connection.query(
      `INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES (?, 1, 0, ?)
       ON DUPLICATE KEY UPDATE pending_since = COALESCE(pending_since, VALUES(pending_since)), last_seq = last_seq + 1`,
      [recipient, Date.now()],
    );
    const [streams] = (await this.connection.query('SELECT last_seq FROM delivery_streams WHERE stream = ?', [recipient])) as unknown as [
      Array<{ last_seq: string }>,
    ];
    const [inserted] = (await this.connection.query(
      "INSERT INTO notifications (recipient, type, actor, payload, created_at, read_at, seq, collapse_key) VALUES (?, ?, NULL, '{}', UTC_TIMESTAMP(3), NULL, ?, ?)",
      [recipient, type, streams[0].last_seq, collapseKey],
    )) as unknown as [{ insertId: string | number }];
    return String(inserted.insertId);
  }

  async commit(): Promise<void> {
    await this.connection.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.connection.query('ROLLBACK');
  }

  /** Stores one notification in a transaction of its own and commits it, unpublished. */
  async store(recipient: string, type: string): Promise<Id> {
    await this.begin();
    const id = await this.insert(recipient, type);
    await this.commit();
    return id;
  }

  /** Closes the connection; a transaction still open is rolled back by the server. */
  async close(): Promise<void> {
    await this.connection.end();
  }
}
