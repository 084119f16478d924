import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { bigIntegerType, timestampColumn } from '../src/database/portable-columns';

/**
 * The notification model: one row per targeted recipient, one row per
 * broadcast (recipient NULL) with per-user read state in `broadcast_reads`,
 * and the `Idempotency-Key` replay records of `POST /notifications`.
 */
export class CreateNotifications1763683200000 implements MigrationInterface {
  name = 'CreateNotifications1763683200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const bigint = bigIntegerType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          { name: 'id', type: bigint, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'recipient', type: 'varchar', length: '128', isNullable: true },
          { name: 'type', type: 'varchar', length: '128' },
          { name: 'actor', type: 'varchar', length: '128', isNullable: true },
          { name: 'payload', type: 'text' },
          timestampColumn(queryRunner, 'created_at', false),
          timestampColumn(queryRunner, 'read_at', true),
        ],
        indices: [
          // The feed: one user's rows (or the broadcasts, recipient NULL) newest first.
          new TableIndex({ name: 'idx_notifications_recipient_id', columnNames: ['recipient', 'id'] }),
          // Unread counts and the unread-only feed.
          new TableIndex({ name: 'idx_notifications_recipient_read', columnNames: ['recipient', 'read_at', 'id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'broadcast_reads',
        columns: [
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'notification_id', type: bigint, isPrimary: true },
          timestampColumn(queryRunner, 'read_at', false),
        ],
        foreignKeys: [{ columnNames: ['notification_id'], referencedTableName: 'notifications', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'caller', type: 'varchar', length: '128', isPrimary: true },
          { name: 'idempotency_key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'response', type: 'text', isNullable: true },
          timestampColumn(queryRunner, 'created_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_idempotency_keys_created_at', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.dropTable('broadcast_reads');
    await queryRunner.dropTable('notifications');
  }
}
