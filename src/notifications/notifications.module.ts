import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BroadcastRead } from './broadcast-read.entity';
import { IdempotencyRecord } from './idempotency-record.entity';
import { IdempotencyService } from './idempotency.service';
import { NotificationReplay } from './notification-replay.service';
import { Notification } from './notification.entity';
import { NotificationStore } from './notification.store';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OutboxRelay } from './outbox.relay';
import { OutboxStore } from './outbox.store';

/** Notifications: the store (the table is the outbox), the relay, the feed and read state, REST. */
@Module({
  imports: [TypeOrmModule.forFeature([Notification, BroadcastRead, IdempotencyRecord])],
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationReplay, NotificationStore, IdempotencyService, OutboxStore, OutboxRelay],
  exports: [NotificationsService, NotificationReplay],
})
export class NotificationsModule {}
