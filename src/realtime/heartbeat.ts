import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';

/**
 * Pings every socket each `WS_HEARTBEAT_MS` (RFC 6455 section 5.5.2); a
 * socket that has not answered the previous ping with a pong is dead and
 * is terminated, so half-open TCP connections do not pile up.
 */
@Injectable()
export class Heartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.beat(), this.config.realtime.heartbeatMs);
    this.timer.unref();
  }

  /** Marks the connection alive on each pong. */
  watch(connection: Connection): void {
    connection.socket.on('pong', () => {
      connection.alive = true;
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    for (const connection of this.registry.values()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}
