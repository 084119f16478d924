import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BroadcasterHealthIndicator } from './broadcaster.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [BroadcasterHealthIndicator],
})
export class HealthModule {}
