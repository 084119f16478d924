import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { bigIntegerType } from '../src/database/portable-columns';

/**
 * Per-recipient delivery streams (docs/delivery.md): `delivery_streams`
 * has one row per user that was ever notified, plus the broadcast stream
 * (stream `''`), holding the stream's newest sequence number
 * (`last_seq`), the newest one known published (`published_seq`) and, while
 * some are not, since when (`pending_since`, ms since the epoch; the
 * publish sweep reads the rows where it is old). `notifications.seq` is a
 * row's number in its stream (NULL on rows stored before this migration).
 *
 * Only adds: the v1 columns and `outbox_cursors` stay (the relay that
 * used the cursor is gone; a later migration may drop the table). Rolling
 * upgrade: stop the old instances first, since their relay publishes
 * frames the new sockets would not order.
 */
export class DeliveryStreams1764510000000 implements MigrationInterface {
  name = 'DeliveryStreams1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const bigint = bigIntegerType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'delivery_streams',
        columns: [
          // A user id (`sub`, up to 128 characters), or '' for the broadcast stream.
          { name: 'stream', type: 'varchar', length: '128', isPrimary: true },
          { name: 'last_seq', type: bigint, default: 0 },
          { name: 'published_seq', type: bigint, default: 0 },
          { name: 'pending_since', type: bigint, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'idx_delivery_streams_pending', columnNames: ['pending_since'] })],
      }),
    );
    if (queryRunner.connection.driver.options.type === 'mysql') {
      // User ids compare exactly (see 1763690400000-case-sensitive-user-ids).
      const rows = (await queryRunner.query("SHOW COLLATION WHERE Collation IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')")) as Array<{ Collation: string }>;
      const collation = rows.find((row) => row.Collation === 'utf8mb4_nopad_bin')?.Collation ?? rows[0]?.Collation ?? 'utf8mb4_bin';
      await queryRunner.query(`ALTER TABLE delivery_streams MODIFY stream VARCHAR(128) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`);
    }
    await queryRunner.query("INSERT INTO delivery_streams (stream, last_seq, published_seq, pending_since) VALUES ('', 0, 0, NULL)");
    await queryRunner.addColumn('notifications', new TableColumn({ name: 'seq', type: bigint, isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('notifications', 'seq');
    await queryRunner.dropTable('delivery_streams');
  }
}
