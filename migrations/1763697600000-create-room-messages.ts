import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { bigIntegerType, timestampColumn } from '../src/database/portable-columns';

/**
 * Durable room messages: one row per message, paged newest first per room
 * on (room, id). On MySQL/MariaDB `room` and `sender` use a binary NO PAD
 * collation, as user ids do (see CaseSensitiveUserIds1763690400000), so
 * `Lobby` and `lobby` are different rooms.
 */
export class CreateRoomMessages1763697600000 implements MigrationInterface {
  name = 'CreateRoomMessages1763697600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'room_messages',
        columns: [
          { name: 'id', type: bigIntegerType(queryRunner), isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'room', type: 'varchar', length: '64' },
          { name: 'sender', type: 'varchar', length: '128' },
          { name: 'text', type: 'text' },
          timestampColumn(queryRunner, 'created_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_room_messages_room_id', columnNames: ['room', 'id'] })],
      }),
    );
    if (queryRunner.connection.driver.options.type !== 'mysql') return;
    const exact = `CHARACTER SET utf8mb4 COLLATE ${await binaryCollation(queryRunner)}`;
    await queryRunner.query(`ALTER TABLE room_messages MODIFY room VARCHAR(64) ${exact} NOT NULL, MODIFY sender VARCHAR(128) ${exact} NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('room_messages');
  }
}

/** MariaDB's `utf8mb4_nopad_bin`, MySQL 8's `utf8mb4_0900_bin`, else `utf8mb4_bin`. */
async function binaryCollation(queryRunner: QueryRunner): Promise<string> {
  for (const name of ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin']) {
    const rows = (await queryRunner.query('SHOW COLLATION WHERE Collation = ?', [name])) as unknown[];
    if (rows.length > 0) return name;
  }
  return 'utf8mb4_bin';
}
