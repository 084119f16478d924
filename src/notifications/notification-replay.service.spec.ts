import { DataSource } from 'typeorm';
import { sqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { DeliveryStreamStore } from './delivery-stream.store';
import { InboxFeedStore } from './inbox-feed.store';
import { NotificationReplay } from './notification-replay.service';
import { NotificationStore } from './notification.store';

describe('NotificationReplay on the embedded database', () => {
  let dataSource: DataSource;
  let transactions: TransactionRunner;
  let replay: NotificationReplay;

  beforeEach(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    await dataSource.query('CREATE TABLE delivery_streams (stream VARCHAR(255) PRIMARY KEY, last_seq INTEGER NOT NULL)');
    await dataSource.query("INSERT INTO delivery_streams (stream, last_seq) VALUES ('u1', 4)");
    const dialect = sqlDialect('better-sqlite3');
    transactions = new TransactionRunner(dataSource, dialect);
    replay = new NotificationReplay(dataSource, transactions, {} as NotificationStore, new DeliveryStreamStore(dialect), {} as InboxFeedStore, dialect);
  });

  afterEach(() => dataSource.destroy());

  it('reads stream positions after a transaction in progress ends, never the numbers it takes and then gives back', async () => {
    let release!: () => void;
    let allocated!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inFlight = new Promise<void>((resolve) => (allocated = resolve));
    const rolledBack = transactions
      .run(async (manager) => {
        await manager.query("UPDATE delivery_streams SET last_seq = 5 WHERE stream = 'u1'");
        allocated();
        await held;
        throw new Error('insert failed');
      })
      .catch(() => undefined);
    await inFlight;
    const positions = replay.positions('u1');
    release();
    await rolledBack;
    await expect(positions).resolves.toEqual({ targeted: 4, broadcast: 0 });
  });
});
