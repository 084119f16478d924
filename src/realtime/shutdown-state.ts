import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this instance is shutting down. Set in the first shutdown phase
 * (module destroy), before pending publishes drain and sockets are closed, so
 * that from then on new WebSocket upgrades are refused with 503 and
 * clients reconnect to another instance.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  draining = false;

  onModuleDestroy(): void {
    this.draining = true;
  }
}
