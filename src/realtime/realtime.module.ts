import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ConnectionRegistry } from './connection.registry';
import { RealtimeGateway } from './realtime.gateway';
import { ShutdownState } from './shutdown-state';
import { TokenRefreshService } from './token-refresh.service';
import { WsConnectionGuard } from './ws-connection.guard';

@Module({
  imports: [AuthModule, NotificationsModule, RoomsModule],
  providers: [RealtimeGateway, ConnectionRegistry, WsConnectionGuard, ShutdownState, TokenRefreshService],
  exports: [ConnectionRegistry, ShutdownState],
})
export class RealtimeModule {}
