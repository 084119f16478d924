import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { MemoryRoomPresence } from './memory-room-presence';
import { presenceTiming, RedisRoomPresence } from './redis-room-presence';
import { RoomMessage } from './room-message.entity';
import { RoomMessageStore } from './room-message.store';
import { ROOM_PRESENCE, RoomPresence } from './room-presence';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

/** Rooms: durable messages, REST push and history, presence (Redis when `REDIS_URL` is set). */
@Module({
  imports: [ConfigModule, TypeOrmModule.forFeature([RoomMessage])],
  controllers: [RoomsController],
  providers: [
    RoomsService,
    RoomMessageStore,
    {
      provide: ROOM_PRESENCE,
      inject: [HERALD_CONFIG],
      useFactory: (config: HeraldConfig): RoomPresence =>
        config.redis ? new RedisRoomPresence(config.redis, presenceTiming(config.rooms.presenceTtlMs)) : new MemoryRoomPresence(),
    },
  ],
  exports: [RoomsService],
})
export class RoomsModule implements OnApplicationShutdown {
  constructor(@Inject(ROOM_PRESENCE) private readonly presence: RoomPresence) {}

  async onApplicationShutdown(): Promise<void> {
    await this.presence.close();
  }
}
