import { Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';
import { NotificationStore } from './notification.store';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';

@Module({
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationStore, IdempotencyService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
