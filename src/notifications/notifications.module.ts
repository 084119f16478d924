import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PreferencesModule } from '../preferences/preferences.module';
import { BroadcastRead } from './broadcast-read.entity';
import { BroadcastState } from './broadcast-state.entity';
import { CountsService } from './counts.service';
import { IdempotencyRecord } from './idempotency-record.entity';
import { IdempotencyService } from './idempotency.service';
import { InboxFeedStore } from './inbox-feed.store';
import { InboxPurge } from './inbox-purge.service';
import { InboxWrites } from './inbox-writes';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';
import { NotificationRemoval } from './notification-removal';
import { NotificationReplay } from './notification-replay.service';
import { NotificationStateStore } from './notification-state.store';
import { Notification } from './notification.entity';
import { NotificationStore } from './notification.store';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OutboxRelay } from './outbox.relay';
import { OutboxStore } from './outbox.store';

/** Notifications: the store (the table is the outbox), the relay, the feed and read state, the inbox (docs/inbox.md), REST. */
@Module({
  imports: [TypeOrmModule.forFeature([Notification, BroadcastRead, BroadcastState, IdempotencyRecord]), PreferencesModule],
  controllers: [NotificationsController, InboxController],
  providers: [
    NotificationsService,
    NotificationReplay,
    NotificationStore,
    IdempotencyService,
    OutboxStore,
    OutboxRelay,
    InboxService,
    InboxFeedStore,
    InboxWrites,
    InboxPurge,
    NotificationStateStore,
    NotificationRemoval,
    CountsService,
  ],
  exports: [NotificationsService, NotificationReplay, CountsService],
})
export class NotificationsModule {}
