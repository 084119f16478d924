import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { bigIntegerType, timestampColumn } from '../src/database/portable-columns';

/**
 * The transactional outbox of notifications. Each INSERT of notification
 * rows adds, in the same transaction, one `notification_outbox` entry
 * naming its id range; the relay publishes entries in id order and moves
 * the `outbox_cursors` row of stream `notifications` past them. The cursor
 * starts at the newest existing notification, so rows stored before this
 * migration are not re-delivered.
 */
export class CreateNotificationOutbox1763704800000 implements MigrationInterface {
  name = 'CreateNotificationOutbox1763704800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const bigint = bigIntegerType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'notification_outbox',
        columns: [
          { name: 'id', type: bigint, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'first_id', type: 'bigint' },
          { name: 'last_id', type: 'bigint' },
          timestampColumn(queryRunner, 'created_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_notification_outbox_first_id', columnNames: ['first_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'outbox_cursors',
        columns: [
          { name: 'stream', type: 'varchar', length: '64', isPrimary: true },
          { name: 'position', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.query(`INSERT INTO outbox_cursors (stream, position) SELECT 'notifications', COALESCE(MAX(id), 0) FROM notifications`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('outbox_cursors');
    await queryRunner.dropTable('notification_outbox');
  }
}
