import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BestEffortPublisher } from '../broadcaster/best-effort-publisher';
import { userGroup } from '../broadcaster/groups';
import { DEFAULT_CATEGORY } from '../common/category';
import { PREFERENCES_CHANGED_FRAME } from '../common/server-frame';
import { TransactionRunner } from '../database/transaction-runner';
import { NotificationPreference } from './notification-preference.entity';

/**
 * Per-user category preferences. A muted category's notifications are
 * still stored and listed, but not pushed live and not in the top-level
 * counts; `critical` ones ignore mutes. Mutes apply to notifications
 * stored after the change (push) and at once (counts).
 */
@Injectable()
export class PreferencesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
    private readonly publisher: BestEffortPublisher,
  ) {}

  /** Every category the user set, has notifications in, and `general`. */
  async categories(userId: string): Promise<Record<string, { muted: boolean }>> {
    const [settings, used] = await Promise.all([
      this.dataSource.getRepository(NotificationPreference).find({ where: { userId } }),
      this.dataSource.query<Array<{ category: string }>>('SELECT DISTINCT category FROM notifications WHERE recipient = ?', [userId]),
    ]);
    const categories: Record<string, { muted: boolean }> = { [DEFAULT_CATEGORY]: { muted: false } };
    for (const { category } of used) categories[category] = { muted: false };
    for (const setting of settings) categories[setting.category] = { muted: setting.muted };
    return categories;
  }

  /** The categories the user muted. */
  async muted(userId: string): Promise<Set<string>> {
    const rows = await this.dataSource.getRepository(NotificationPreference).find({ select: { category: true }, where: { userId, muted: true } });
    return new Set(rows.map((row) => row.category));
  }

  /** Stores the setting; the user's sockets reload their mutes and refresh their counts. */
  async setMuted(userId: string, category: string, muted: boolean): Promise<void> {
    await this.transactions.run((manager) =>
      manager.getRepository(NotificationPreference).upsert({ userId, category, muted, updatedAt: new Date() }, ['userId', 'category']),
    );
    this.publisher.publish(userGroup(userId), PREFERENCES_CHANGED_FRAME, 'a preference change');
  }
}
