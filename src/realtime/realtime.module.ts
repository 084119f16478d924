import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { RoomsModule } from '../rooms/rooms.module';
import { CatchUp } from './catch-up';
import { ConnectionRegistry } from './connection.registry';
import { Heartbeat } from './heartbeat';
import { LiveCounts } from './live-counts';
import { RealtimeGateway } from './realtime.gateway';
import { ShutdownState } from './shutdown-state';
import { TokenRefreshService } from './token-refresh.service';
import { WsConnectionGuard } from './ws-connection.guard';

/** The WebSocket endpoint: the gateway, its connections, replays and heartbeat, and the shutdown state the adapter reads. */
@Module({
  imports: [AuthModule, NotificationsModule, PreferencesModule, RoomsModule],
  providers: [RealtimeGateway, ConnectionRegistry, CatchUp, Heartbeat, WsConnectionGuard, ShutdownState, TokenRefreshService, LiveCounts],
  exports: [ConnectionRegistry, ShutdownState],
})
export class RealtimeModule {}
