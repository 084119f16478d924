import { Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';
import { NotificationStore } from './notification.store';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OutboxRelay } from './outbox.relay';
import { OutboxStore } from './outbox.store';

@Module({
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationStore, IdempotencyService, OutboxStore, OutboxRelay],
  exports: [NotificationsService],
})
export class NotificationsModule {}
