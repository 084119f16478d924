import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/database.options';
import { runMigrations } from '../../src/database/run-migrations';
import { TEST_DATABASE_URL } from '../support/test-env';
import { MIGRATIONS } from '../../src/database/migrations';

const ALL_MIGRATIONS = MIGRATIONS.map((Migration) => new Migration().name);

const HERALD_TABLES = [
  'broadcast_reads',
  'broadcast_states',
  'delivery_streams',
  'idempotency_keys',
  'inbox_jobs',
  'notification_preferences',
  'notifications',
  'outbox_cursors',
  'room_messages',
];
/** TypeORM's default bookkeeping table. */
const MIGRATIONS_TABLE = 'migrations';

describe('schema migrations', () => {
  const dataSources: DataSource[] = [];
  const open = async (options: Parameters<typeof dataSourceOptions>[0]): Promise<DataSource> => {
    const dataSource = await new DataSource(dataSourceOptions(options)).initialize();
    dataSources.push(dataSource);
    return dataSource;
  };

  afterEach(async () => {
    await Promise.all(dataSources.splice(0).map((dataSource) => dataSource.destroy()));
  });

  describe('on MySQL', () => {
    let admin: Connection;
    const databases: string[] = [];

    /** Creates an empty database for one test and returns its URL. */
    const freshDatabase = async (): Promise<{ name: string; url: string }> => {
      const name = `herald_mig_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      databases.push(name);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${name}`;
      return { name, url: url.toString() };
    };
    const tables = async (database: string): Promise<string[]> => {
      const [rows] = await admin.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [database]);
      return (rows as Array<{ name: string }>).map((row) => row.name);
    };
    /** Index name -> its columns in order, for one table. */
    const indexes = async (database: string, table: string): Promise<Record<string, string[]>> => {
      const [rows] = await admin.query(
        'SELECT index_name AS name, column_name AS col FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? ORDER BY index_name, seq_in_index',
        [database, table],
      );
      const result: Record<string, string[]> = {};
      for (const row of rows as Array<{ name: string; col: string }>) (result[row.name] ??= []).push(row.col);
      return result;
    };
    const recorded = async (database: string): Promise<string[]> => {
      const [rows] = await admin.query(`SELECT name FROM \`${database}\`.\`${MIGRATIONS_TABLE}\``);
      return (rows as Array<{ name: string }>).map((row) => row.name);
    };

    beforeAll(async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = '/';
      admin = await createConnection(url.toString());
    });
    afterAll(async () => {
      for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    });

    it('never synchronizes the schema from the entities', async () => {
      const { name, url } = await freshDatabase();
      expect(dataSourceOptions({ kind: 'mysql', url })).toMatchObject({ synchronize: false, migrationsRun: false });

      await open({ kind: 'mysql', url });

      expect(await tables(name)).toEqual([]);
    });

    it('creates the tables and indexes, applies nothing the second time, and drops them on revert', async () => {
      const { name, url } = await freshDatabase();
      const dataSource = await open({ kind: 'mysql', url });

      const applied = await runMigrations(dataSource);
      expect(applied.map((migration) => migration.name)).toEqual(ALL_MIGRATIONS);
      expect((await tables(name)).sort()).toEqual([...HERALD_TABLES, MIGRATIONS_TABLE].sort());
      expect(await indexes(name, 'notifications')).toEqual({
        PRIMARY: ['id'],
        idx_notifications_recipient_id: ['recipient', 'id'],
        idx_notifications_recipient_read: ['recipient', 'read_at', 'id'],
        idx_notifications_inbox: ['recipient', 'archived_at', 'id'],
        idx_notifications_category: ['recipient', 'category', 'archived_at', 'id'],
        idx_notifications_counts: ['recipient', 'read_at', 'archived_at', 'category', 'severity', 'seen_at', 'expires_at'],
        idx_notifications_expires_at: ['expires_at'],
        idx_notifications_collapse: ['collapse_key', 'recipient'],
      });
      expect(await indexes(name, 'broadcast_reads')).toMatchObject({ PRIMARY: ['user_id', 'notification_id'] });
      expect(await indexes(name, 'idempotency_keys')).toEqual({
        PRIMARY: ['caller', 'idempotency_key'],
        idx_idempotency_keys_created_at: ['created_at'],
      });
      const [constraints] = await admin.query(
        'SELECT referenced_table_name AS target, delete_rule AS onDelete FROM information_schema.referential_constraints WHERE constraint_schema = ? AND table_name = ?',
        [name, 'broadcast_reads'],
      );
      expect(constraints).toEqual([{ target: 'notifications', onDelete: 'CASCADE' }]);

      const [collations] = await admin.query(
        'SELECT table_name AS tableName, column_name AS columnName, collation_name AS collation FROM information_schema.columns WHERE table_schema = ? AND column_name IN (?, ?, ?, ?) ORDER BY table_name, column_name',
        [name, 'recipient', 'user_id', 'caller', 'idempotency_key'],
      );
      // broadcast_reads, broadcast_states and notification_preferences each have a user_id.
      // User ids and keys compare exactly: no case folding, no trailing-space padding.
      for (const column of collations as Array<{ collation: string }>) expect(column.collation).toMatch(/_(nopad_bin|0900_bin|bin)$/);
      expect(collations).toHaveLength(6);

      expect(await runMigrations(dataSource)).toEqual([]);
      expect(await recorded(name)).toEqual(ALL_MIGRATIONS);

      for (let i = 0; i < ALL_MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await tables(name)).toEqual([MIGRATIONS_TABLE]);
      expect(await recorded(name)).toEqual([]);
    });

    it('applies each migration once when two instances run migrations at the same time', async () => {
      const { name, url } = await freshDatabase();
      const [first, second] = await Promise.all([open({ kind: 'mysql', url }), open({ kind: 'mysql', url })]);

      const results = await Promise.allSettled([runMigrations(first), runMigrations(second)]);

      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value.map((migration) => migration.name) : []));
      expect(applied).toEqual(ALL_MIGRATIONS);
      expect(await recorded(name)).toEqual(ALL_MIGRATIONS);
      expect((await tables(name)).sort()).toEqual([...HERALD_TABLES, MIGRATIONS_TABLE].sort());
    });
  });

  describe('on SQLite', () => {
    let directory: string;

    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'herald-mig-'));
    });
    afterAll(() => {
      rmSync(directory, { recursive: true, force: true });
    });

    const objects = async (dataSource: DataSource, type: 'table' | 'index'): Promise<string[]> => {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- TypeORM's query() returns any; the cast names the rows
      const rows = (await dataSource.query("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name", [type])) as Array<{
        name: string;
      }>;
      return rows.map((row) => row.name);
    };

    it('never synchronizes the schema from the entities', async () => {
      const path = join(directory, 'sync', 'herald.sqlite');
      expect(dataSourceOptions({ kind: 'sqlite', path })).toMatchObject({ synchronize: false, migrationsRun: false });

      const dataSource = await open({ kind: 'sqlite', path });

      expect(await objects(dataSource, 'table')).toEqual([]);
    });

    it('creates the tables and indexes, applies nothing the second time, and drops them on revert', async () => {
      const dataSource = await open({ kind: 'sqlite', path: join(directory, 'up-down', 'herald.sqlite') });

      const applied = await runMigrations(dataSource);
      expect(applied.map((migration) => migration.name)).toEqual(ALL_MIGRATIONS);
      expect(await objects(dataSource, 'table')).toEqual([...HERALD_TABLES, MIGRATIONS_TABLE].sort());
      expect(await objects(dataSource, 'index')).toEqual(
        expect.arrayContaining([
          'idx_idempotency_keys_created_at',
          'idx_notifications_recipient_id',
          'idx_notifications_recipient_read',
          'idx_notifications_counts',
        ]),
      );

      expect(await runMigrations(dataSource)).toEqual([]);

      for (let i = 0; i < ALL_MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await objects(dataSource, 'table')).toEqual([MIGRATIONS_TABLE]);
      expect(await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE}`)).toEqual([]);
    });
  });
});
