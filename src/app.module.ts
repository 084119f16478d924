import { DynamicModule, Module } from '@nestjs/common';
import { DestinationStream } from 'pino';
import { AuthModule } from './auth/auth.module';
import { BroadcasterModule } from './broadcaster/broadcaster.module';
import { ConfigModule } from './config/config.module';
import { HeraldConfig } from './config/herald.config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RoomsModule } from './rooms/rooms.module';
import { WebModule } from './web/web.module';

/** Where the app's log lines go: stdout unless `logDestination` is given (tests capture the log this way). */
export interface AppOptions {
  logDestination?: DestinationStream;
}

/** The whole service, built from one validated config. */
@Module({})
export class AppModule {
  static forRoot(config: HeraldConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logDestination),
        DatabaseModule,
        BroadcasterModule,
        MetricsModule,
        AuthModule,
        NotificationsModule,
        RoomsModule,
        RealtimeModule,
        HealthModule,
        WebModule,
      ],
    };
  }
}
