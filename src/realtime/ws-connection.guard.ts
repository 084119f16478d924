import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import WebSocket from 'ws';
import { ConnectionRegistry } from './connection.registry';
import { ErrorCode } from './protocol';

/**
 * Defence in depth for every message handler: the socket must be a
 * registered, authenticated connection whose token has not expired
 * (the upgrade check already refused anonymous sockets).
 */
@Injectable()
export class WsConnectionGuard implements CanActivate {
  constructor(private readonly registry: ConnectionRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    const connection = this.registry.get(context.switchToWs().getClient<WebSocket>());
    if (!connection || connection.expired) {
      throw new WsException({ code: ErrorCode.Unauthorized, message: 'connection is not authenticated' });
    }
    return true;
  }
}
