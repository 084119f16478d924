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
import { DeliveryStreamStore } from './delivery-stream.store';
import { PublishSweep } from './publish-sweep';
import { StreamPublisher } from './stream-publisher';

/** Notifications: the store, the delivery streams and their publisher and sweep, the feed and read state, REST. */
@Module({
  imports: [TypeOrmModule.forFeature([Notification, BroadcastRead, IdempotencyRecord])],
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationReplay, NotificationStore, IdempotencyService, DeliveryStreamStore, StreamPublisher, PublishSweep],
  exports: [NotificationsService, NotificationReplay],
})
export class NotificationsModule {}
