import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigModule, HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { BestEffortPublisher } from './best-effort-publisher';
import { GROUP_BROADCASTER, GroupBroadcaster } from './group-broadcaster';
import { MemoryGroupBroadcaster } from './memory-group-broadcaster';
import { RedisGroupBroadcaster } from './redis-group-broadcaster';

/** Provides the `GroupBroadcaster` (Redis when `REDIS_URL` or `REDIS_CLUSTER_NODES` is set, in-process otherwise) and the `BestEffortPublisher` on top of it. */
@Global()
@Module({
  imports: [ConfigModule],
  providers: [
    {
      provide: GROUP_BROADCASTER,
      inject: [HERALD_CONFIG],
      useFactory: (config: HeraldConfig): GroupBroadcaster => {
        const logger = new Logger('Broadcaster');
        if (config.redis?.clusterNodes) {
          logger.log(`Using sharded pub/sub on the Redis Cluster seeded by ${config.redis.clusterNodes.length} node(s): any number of instances may share it`);
          return new RedisGroupBroadcaster(config.redis);
        }
        if (config.redis) {
          logger.log('Using Redis pub/sub: any number of instances may share this Redis');
          return new RedisGroupBroadcaster(config.redis);
        }
        logger.warn('REDIS_URL is not set: using the in-process broadcaster (single instance only)');
        return new MemoryGroupBroadcaster();
      },
    },
    BestEffortPublisher,
  ],
  exports: [GROUP_BROADCASTER, BestEffortPublisher],
})
export class BroadcasterModule implements OnApplicationShutdown {
  constructor(@Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster) {}

  async onApplicationShutdown(): Promise<void> {
    await this.broadcaster.close();
  }
}
