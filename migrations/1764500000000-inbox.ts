import { MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';
import { bigIntegerType, exactTextCollation, timestampColumn } from '../src/database/portable-columns';

/** The notification columns the inbox adds (docs/inbox.md); all nullable or defaulted, so existing rows stay valid. */
function inboxColumns(queryRunner: QueryRunner): TableColumnOptions[] {
  return [
    { name: 'title', type: 'varchar', length: '200', isNullable: true },
    { name: 'body', type: 'text', isNullable: true },
    { name: 'url', type: 'varchar', length: '2048', isNullable: true },
    { name: 'category', type: 'varchar', length: '64', default: "'general'" },
    { name: 'severity', type: 'varchar', length: '8', default: "'normal'" },
    { name: 'actions', type: 'text', isNullable: true },
    timestampColumn(queryRunner, 'expires_at', true),
    { name: 'collapse_key', type: 'varchar', length: '128', isNullable: true },
    // The id this notification replaced (same collapse key, same recipient); carried by its frame as `replaces`.
    { name: 'replaces_id', type: bigIntegerType(queryRunner), isNullable: true },
    // Set at insert when the recipient had muted the category: stored, never pushed.
    { name: 'muted', type: 'boolean', default: '0' },
    timestampColumn(queryRunner, 'seen_at', true),
    timestampColumn(queryRunner, 'archived_at', true),
  ];
}

/** Indexes of the inbox filters, counts, expiry and collapse; docs/inbox.md has their EXPLAIN plans. */
const INBOX_INDEXES = [
  // The default feed (archived left out) and the Archived view, newest first.
  new TableIndex({ name: 'idx_notifications_inbox', columnNames: ['recipient', 'archived_at', 'id'] }),
  // A category tab.
  new TableIndex({ name: 'idx_notifications_category', columnNames: ['recipient', 'category', 'archived_at', 'id'] }),
  // GET /notifications/counts reads only this index (covering): unread rows of one user grouped by category.
  new TableIndex({
    name: 'idx_notifications_counts',
    columnNames: ['recipient', 'read_at', 'archived_at', 'category', 'severity', 'seen_at', 'expires_at'],
  }),
  // The expiry sweep.
  new TableIndex({ name: 'idx_notifications_expires_at', columnNames: ['expires_at'] }),
  // Collapse (per recipient) and withdraw (every recipient of a key).
  new TableIndex({ name: 'idx_notifications_collapse', columnNames: ['collapse_key', 'recipient'] }),
];

/**
 * The inbox (docs/inbox.md): content fields, category, severity, actions,
 * expiry and collapse on `notifications`; per-user `seen_at` and
 * `archived_at` beside `read_at`; per-user seen/archived/deleted state of
 * broadcasts in `broadcast_states` (their read state stays in
 * `broadcast_reads`); muted categories in `notification_preferences`; and
 * `inbox_jobs`, the lease that lets one instance at a time run the
 * expiry and retention purge. Only adds: every earlier query still works,
 * so instances of the previous version may keep running during a rolling
 * upgrade.
 *
 * On SQLite the columns are added with `ALTER TABLE ... ADD COLUMN`:
 * TypeORM's `addColumns` there rebuilds the table (create, copy, drop),
 * and dropping `notifications` inside the migration's transaction would
 * cascade-delete every `broadcast_reads` row.
 */
export class Inbox1764500000000 implements MigrationInterface {
  name = 'Inbox1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const columns = inboxColumns(queryRunner).map((options) => new TableColumn(options));
    const driver = queryRunner.connection.driver;
    const definition = (column: TableColumn, quote: string, collation = '') =>
      `${quote}${column.name}${quote} ${driver.createFullType(column)}${collation}${column.isNullable ? ' NULL' : ` NOT NULL DEFAULT ${column.default as string}`}`;
    if (driver.options.type === 'mysql') {
      // One ALTER for every column and index: on a large table one rebuild, not seventeen.
      // Collapse keys are compared exactly, as user ids are (see CaseSensitiveUserIds1763690400000).
      const exact = ` CHARACTER SET utf8mb4 COLLATE ${await exactTextCollation(queryRunner)}`;
      const changes = [
        ...columns.map((column) => `ADD COLUMN ${definition(column, '`', column.name === 'collapse_key' ? exact : '')}`),
        ...INBOX_INDEXES.map((index) => `ADD INDEX \`${index.name}\` (${index.columnNames.map((name) => `\`${name}\``).join(', ')})`),
      ];
      await queryRunner.query(`ALTER TABLE notifications ${changes.join(', ')}`);
    } else {
      for (const column of columns) await queryRunner.query(`ALTER TABLE "notifications" ADD COLUMN ${definition(column, '"')}`);
      await queryRunner.createIndices('notifications', INBOX_INDEXES);
    }

    const bigint = bigIntegerType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'broadcast_states',
        columns: [
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'notification_id', type: bigint, isPrimary: true },
          timestampColumn(queryRunner, 'seen_at', true),
          timestampColumn(queryRunner, 'archived_at', true),
          timestampColumn(queryRunner, 'deleted_at', true),
        ],
        foreignKeys: [{ columnNames: ['notification_id'], referencedTableName: 'notifications', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'notification_preferences',
        columns: [
          { name: 'user_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'category', type: 'varchar', length: '64', isPrimary: true },
          { name: 'muted', type: 'boolean' },
          timestampColumn(queryRunner, 'updated_at', false),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'inbox_jobs',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '64', isNullable: true },
          timestampColumn(queryRunner, 'lease_until', true),
        ],
      }),
    );
    await queryRunner.query(`INSERT INTO inbox_jobs (name, holder, lease_until) VALUES ('purge', NULL, NULL)`);
    if (queryRunner.connection.driver.options.type !== 'mysql') return;
    const exact = `CHARACTER SET utf8mb4 COLLATE ${await exactTextCollation(queryRunner)}`;
    await queryRunner.query(`ALTER TABLE broadcast_states MODIFY user_id VARCHAR(128) ${exact} NOT NULL`);
    await queryRunner.query(`ALTER TABLE notification_preferences MODIFY user_id VARCHAR(128) ${exact} NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('inbox_jobs');
    await queryRunner.dropTable('notification_preferences');
    await queryRunner.dropTable('broadcast_states');
    for (const index of INBOX_INDEXES) await queryRunner.dropIndex('notifications', index.name!);
    if (queryRunner.connection.driver.options.type === 'mysql') {
      await queryRunner.dropColumns(
        'notifications',
        inboxColumns(queryRunner).map((column) => column.name),
      );
      return;
    }
    // SQLite 3.35+ drops a column in place (no rebuild; see up()).
    for (const column of inboxColumns(queryRunner).reverse()) await queryRunner.query(`ALTER TABLE "notifications" DROP COLUMN "${column.name}"`);
  }
}
