import { Injectable } from '@nestjs/common';
import { NotificationCounts } from '../common/server-frame';
import { PreferencesService } from '../preferences/preferences.service';
import { InboxFeedStore } from './inbox-feed.store';

/** `GET /notifications/counts` and the `counts` frame: always read from the database, never a counter that could drift. */
@Injectable()
export class CountsService {
  constructor(
    private readonly feeds: InboxFeedStore,
    private readonly preferences: PreferencesService,
  ) {}

  async counts(userId: string): Promise<NotificationCounts> {
    return this.feeds.counts(userId, await this.preferences.muted(userId), new Date());
  }
}
