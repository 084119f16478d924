import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationPreference } from './notification-preference.entity';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';

/** Per-user notification preferences: muted categories. */
@Module({
  imports: [TypeOrmModule.forFeature([NotificationPreference])],
  controllers: [PreferencesController],
  providers: [PreferencesService],
  exports: [PreferencesService],
})
export class PreferencesModule {}
