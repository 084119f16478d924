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
import { DeliveryStreamStore } from './delivery-stream.store';
import { PublishSweep } from './publish-sweep';
import { StreamPublisher } from './stream-publisher';

/** Notifications: the store, the delivery streams and their publisher and sweep, the feed and read state, the inbox (docs/inbox.md), REST. */
@Module({
  imports: [TypeOrmModule.forFeature([Notification, BroadcastRead, BroadcastState, IdempotencyRecord]), PreferencesModule],
  controllers: [NotificationsController, InboxController],
  providers: [
    NotificationsService,
    NotificationReplay,
    NotificationStore,
    IdempotencyService,
    DeliveryStreamStore,
    StreamPublisher,
    PublishSweep,
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
