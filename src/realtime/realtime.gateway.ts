import { IncomingMessage } from 'node:http';
import { Inject, Logger, OnModuleDestroy, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway, WsException } from '@nestjs/websockets';
import WebSocket, { WebSocketServer } from 'ws';
import { broadcastGroup, userGroup } from '../broadcaster/groups';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import { CloseCode, encodeFrame, ErrorCode, ServerEvent, WS_PATH } from './protocol';
import { principalOf } from './upgrade-authenticator';
import { WsConnectionGuard } from './ws-connection.guard';
import { WsErrorFilter } from './ws-error.filter';

/**
 * `GET /ws`: one authenticated socket per client. On connect the socket
 * joins its user's group and the broadcast group, then gets `ready`;
 * every frame published to those groups afterwards reaches it. Sockets
 * that miss a heartbeat pong are terminated; sockets whose token expires
 * are closed with 4401.
 *
 * Message handlers (added by features) run behind `WsConnectionGuard`, a
 * ValidationPipe and `WsErrorFilter`, since global ones do not reach gateways.
 */
/** How long a new socket may wait for its group subscriptions before it is closed with 1013, in ms. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;

@WebSocketGateway({ path: WS_PATH })
@UseGuards(WsConnectionGuard)
@UseFilters(WsErrorFilter)
@UsePipes(
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new WsException({ code: ErrorCode.InvalidData, message: errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') }),
  }),
)
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {}

  afterInit(_server: WebSocketServer): void {
    this.heartbeat = setInterval(() => this.beat(), this.config.realtime.heartbeatMs);
    this.heartbeat.unref();
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const principal = principalOf(request);
    if (!principal) {
      // Unreachable while the adapter's upgrade check is in place; refuse rather than trust.
      socket.close(CloseCode.PolicyViolation, 'unauthenticated');
      return;
    }
    const connection = new Connection(socket, principal, this.config.realtime.maxBufferedBytes);
    this.registry.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    connection.scheduleExpiry();
    try {
      await withTimeout(
        Promise.all([this.registry.join(connection, userGroup(principal.sub)), this.registry.join(connection, broadcastGroup())]),
        SUBSCRIBE_TIMEOUT_MS,
      );
    } catch (error) {
      // Without its groups the socket would miss live events: ask the client to retry rather than pretend.
      this.logger.warn(`subscribing ${principal.sub} failed: ${(error as Error).message}`);
      socket.close(CloseCode.TryAgainLater, 'broadcaster unavailable');
      return;
    }
    connection.send(encodeFrame(ServerEvent.Ready, { user: principal.sub }));
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    await this.registry.remove(socket);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
