import { DynamicModule, Module } from '@nestjs/common';
import { DestinationStream, Logger } from 'pino';
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

/** How the app logs: through `rootLogger` (main.ts's), else a new pino logger to stdout or `logDestination` (tests capture the log this way). */
export interface AppOptions {
  rootLogger?: Logger;
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
        LoggingModule.forRoot(config, { root: options.rootLogger, destination: options.logDestination }),
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
