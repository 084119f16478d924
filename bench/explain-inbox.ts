import { createConnection } from 'mysql2/promise';
import { DataSource, Logger } from 'typeorm';
import { dataSourceOptions } from '../src/database/database.options';
import { runMigrations } from '../src/database/run-migrations';
import { BroadcastRead } from '../src/notifications/broadcast-read.entity';
import { BroadcastState } from '../src/notifications/broadcast-state.entity';
import { FeedFilter, InboxFeedStore } from '../src/notifications/inbox-feed.store';
import { Notification } from '../src/notifications/notification.entity';
import { NotificationPreference } from '../src/preferences/notification-preference.entity';

/**
 * `npm run build && node dist/bench/explain-inbox.js`: the query plans of
 * the inbox reads (docs/inbox.md, "Indexes and plans") for one user with
 * 100,000 notifications among 1,000,000, on the MySQL/MariaDB of
 * BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306). Seeds the database
 * `herald_inbox_explain` (dropped first), captures the SQL the store runs,
 * and prints `EXPLAIN` and the median time of 5 runs for each.
 */
const SERVER = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const DATABASE = 'herald_inbox_explain';
const HEAVY = 'heavy-user';
const PER_USER = 100_000;
const CATEGORIES = ['comments', 'mentions', 'billing', 'security', 'general'];

/** Collects every SELECT the store sends, with its parameters. */
class CapturingLogger implements Logger {
  readonly queries: Array<{ sql: string; parameters: unknown[] }> = [];
  logQuery(sql: string, parameters?: unknown[]): void {
    if (sql.startsWith('SELECT')) this.queries.push({ sql, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** 100,000 notifications of HEAVY interleaved (as they arrive in life) with 900,000 of 9,000 other users, 50 broadcasts, and read and state rows of 1,001 users for them. */
async function seed(dataSource: DataSource): Promise<void> {
  const now = Date.now();
  const total = 10 * PER_USER;
  for (let start = 0; start < total; start += 5_000) {
    const rows: unknown[][] = [];
    for (let i = start; i < start + 5_000; i++) {
      const created = new Date(now - (total - i) * 30_000);
      const unread = i % 10 < 4;
      rows.push([
        i % 10 === 0 ? HEAVY : `other-${i % 9_000}`,
        'explain',
        '{}',
        created,
        unread ? null : created,
        unread && i % 4 === 0 ? null : created,
        i % 20 === 1 || i % 20 === 2 ? created : null,
        CATEGORIES[(i >> 1) % CATEGORIES.length],
        (i >> 1) % 97 === 0 ? 'critical' : 'normal',
        i % 50 === 0 ? new Date(now + 86_400_000) : null,
      ]);
    }
    await dataSource.query(
      `INSERT INTO notifications (recipient, type, payload, created_at, read_at, seen_at, archived_at, category, severity, expires_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flat(),
    );
  }
  await dataSource.query(
    `INSERT INTO notifications (recipient, type, payload, created_at, category) VALUES ${Array(50).fill("(NULL, 'b', '{}', NOW(3), 'news')").join(', ')}`,
  );
  const users = [HEAVY, ...Array.from({ length: 1_000 }, (_, i) => `other-${i}`)];
  for (let start = 0; start < users.length; start += 100) {
    const chunk = users.slice(start, start + 100);
    await dataSource.query(
      `INSERT INTO broadcast_reads (user_id, notification_id, read_at) SELECT u.id, n.id, NOW(3) FROM notifications n JOIN (${chunk.map(() => 'SELECT ? AS id').join(' UNION ALL ')}) u WHERE n.recipient IS NULL AND n.id % 2 = 0`,
      chunk,
    );
    await dataSource.query(
      `INSERT INTO broadcast_states (user_id, notification_id, seen_at, archived_at) SELECT u.id, n.id, NOW(3), CASE WHEN n.id % 5 = 0 THEN NOW(3) END FROM notifications n JOIN (${chunk.map(() => 'SELECT ? AS id').join(' UNION ALL ')}) u WHERE n.recipient IS NULL AND n.id % 3 = 0`,
      chunk,
    );
  }
  await dataSource.query('ANALYZE TABLE notifications, broadcast_reads, broadcast_states');
}

async function main(): Promise<void> {
  const admin = await createConnection(SERVER);
  await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  await admin.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const logger = new CapturingLogger();
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  const dataSource = await new DataSource({
    ...dataSourceOptions({ kind: 'mysql', url: url.toString() }),
    entities: [Notification, BroadcastRead, BroadcastState, NotificationPreference],
    logging: ['query'],
    logger,
  }).initialize();
  try {
    await runMigrations(dataSource);
    await seed(dataSource);
    const store = new InboxFeedStore(dataSource);
    const base: FeedFilter = { limit: 20, before: null, unread: false, unseen: false, archived: false };
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['feed (default)', () => store.feed(HEAVY, base, new Date())],
      ['feed ?unread=true', () => store.feed(HEAVY, { ...base, unread: true }, new Date())],
      ['feed ?unseen=true', () => store.feed(HEAVY, { ...base, unseen: true }, new Date())],
      ['feed ?archived=true', () => store.feed(HEAVY, { ...base, archived: true }, new Date())],
      ['feed ?category=billing', () => store.feed(HEAVY, { ...base, category: 'billing' }, new Date())],
      ['feed ?severity=critical', () => store.feed(HEAVY, { ...base, severity: 'critical' }, new Date())],
      ['counts', () => store.countsSnapshot(dataSource.manager, HEAVY, new Date())],
    ];
    for (const [name, run] of cases) {
      logger.queries.length = 0;
      await run();
      const queries = [...logger.queries];
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = process.hrtime.bigint();
        await run();
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      times.sort((a, b) => a - b);
      console.log(`\n### ${name}: median ${times[2].toFixed(1)} ms\n`);
      console.log('| query | table | type | key | rows | Extra |\n| --- | --- | --- | --- | --- | --- |');
      for (const [i, query] of queries.entries()) {
        const plan = await dataSource.query<Array<Record<string, unknown>>>(`EXPLAIN ${query.sql}`, query.parameters);
        for (const step of plan) {
          console.log(
            `| ${i + 1} | ${String(step.table)} | ${String(step.type)} | ${String(step.key)} | ${String(step.rows)} | ${typeof step.Extra === 'string' ? step.Extra : ''} |`,
          );
        }
      }
    }
  } finally {
    await dataSource.destroy();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
