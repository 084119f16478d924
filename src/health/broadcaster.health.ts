import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { BroadcasterUnavailableError, GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';

/** Readiness of the group broadcaster (Redis PING, or on a cluster `CLUSTER INFO` reporting `cluster_state:ok`, with a 2 s timeout; or the in-process one). */
@Injectable()
export class BroadcasterHealthIndicator {
  constructor(
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.health.check(key);
    try {
      await this.broadcaster.ping();
      return session.up();
    } catch (error) {
      if (!(error instanceof BroadcasterUnavailableError)) throw error;
      return session.down({ message: error.message });
    }
  }
}
