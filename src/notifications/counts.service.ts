import { Injectable } from '@nestjs/common';
import { NotificationCounts } from '../common/server-frame';
import { TransactionRunner } from '../database/transaction-runner';
import { CountsSnapshot, InboxFeedStore } from './inbox-feed.store';

/** `GET /notifications/counts` and the `counts` frame: always read from the database, never a counter that could drift. */
@Injectable()
export class CountsService {
  constructor(
    private readonly feeds: InboxFeedStore,
    private readonly transactions: TransactionRunner,
  ) {}

  /** The user's exact counts (`GET /notifications/counts`). */
  async counts(userId: string): Promise<NotificationCounts> {
    return (await this.snapshot(userId)).counts;
  }

  /** The user's exact counts with the stream positions they are exact for: one statement, one snapshot. */
  snapshot(userId: string): Promise<CountsSnapshot> {
    return this.transactions.runStatement((manager) => this.feeds.countsSnapshot(manager, userId, new Date()));
  }
}
