import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User ids (`sub`, RFC 7519) and idempotency keys are case- and
 * space-sensitive, but MySQL's default collations fold case (and PAD SPACE
 * collations ignore trailing spaces), which would let `alice` read
 * `Alice`'s feed. On MySQL/MariaDB this moves those columns to a binary
 * NO PAD collation, and widens the stored idempotent reply (up to 10,000
 * ids) to MEDIUMTEXT. SQLite already compares text exactly: nothing to do.
 */
export class CaseSensitiveUserIds1763690400000 implements MigrationInterface {
  name = 'CaseSensitiveUserIds1763690400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'mysql') return;
    const exact = `CHARACTER SET utf8mb4 COLLATE ${await binaryCollation(queryRunner)}`;
    await queryRunner.query(`ALTER TABLE notifications MODIFY recipient VARCHAR(128) ${exact} NULL, MODIFY actor VARCHAR(128) ${exact} NULL`);
    await queryRunner.query(`ALTER TABLE broadcast_reads MODIFY user_id VARCHAR(128) ${exact} NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE idempotency_keys MODIFY caller VARCHAR(128) ${exact} NOT NULL, MODIFY idempotency_key VARCHAR(255) ${exact} NOT NULL, MODIFY response MEDIUMTEXT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'mysql') return;
    await queryRunner.query(
      'ALTER TABLE idempotency_keys MODIFY caller VARCHAR(128) CHARACTER SET utf8mb4 NOT NULL, MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL, MODIFY response TEXT NULL',
    );
    await queryRunner.query('ALTER TABLE broadcast_reads MODIFY user_id VARCHAR(128) CHARACTER SET utf8mb4 NOT NULL');
    await queryRunner.query(
      'ALTER TABLE notifications MODIFY recipient VARCHAR(128) CHARACTER SET utf8mb4 NULL, MODIFY actor VARCHAR(128) CHARACTER SET utf8mb4 NULL',
    );
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
