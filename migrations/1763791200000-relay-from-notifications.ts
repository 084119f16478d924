import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { bigIntegerType, timestampColumn } from '../src/database/portable-columns';

/**
 * The relay now reads committed `notifications` rows above its cursor
 * directly (the table is its own outbox), so a POST is one INSERT rather
 * than a transaction that also appends an entry. Drops `notification_outbox`;
 * `outbox_cursors` stays, and rows not yet relayed are still above the
 * cursor, so nothing in flight is lost.
 *
 * Not a rolling upgrade: instances of the previous version insert into
 * `notification_outbox` and fail once it is gone, so stop them before the
 * first instance of this version starts (and runs this migration).
 *
 * Down re-creates the table with one entry covering the rows above the
 * cursor, which the previous relay then publishes; stop this version's
 * instances first, for the same reason.
 */
export class RelayFromNotifications1763791200000 implements MigrationInterface {
  name = 'RelayFromNotifications1763791200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notification_outbox');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'notification_outbox',
        columns: [
          { name: 'id', type: bigIntegerType(queryRunner), isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'first_id', type: 'bigint' },
          { name: 'last_id', type: 'bigint' },
          timestampColumn(queryRunner, 'created_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_notification_outbox_first_id', columnNames: ['first_id'] })],
      }),
    );
    await queryRunner.query(
      `INSERT INTO notification_outbox (first_id, last_id, created_at)
       SELECT c.position + 1, MAX(n.id), MAX(n.created_at) FROM outbox_cursors c JOIN notifications n ON n.id > c.position
       WHERE c.stream = 'notifications' GROUP BY c.position`,
    );
  }
}
