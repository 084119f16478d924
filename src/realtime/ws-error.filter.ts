import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import WebSocket from 'ws';
import { DomainError } from '../common/domain-error';
import { NotificationsErrorCode } from '../notifications/notifications.errors';
import { RoomsErrorCode } from '../rooms/rooms.errors';
import { encodeFrame, ErrorCode, ErrorCodeName, ServerEvent } from './protocol';

/** Every domain error code as a WebSocket error code; the compiler keeps it exhaustive. */
const WS_ERROR_CODE: Record<NotificationsErrorCode | RoomsErrorCode, ErrorCodeName> = {
  notification_not_found: ErrorCode.NotFound,
  idempotency_key_reused: ErrorCode.InvalidData,
  room_invalid: ErrorCode.InvalidData,
  not_joined: ErrorCode.NotJoined,
  too_many_rooms: ErrorCode.TooManyRooms,
};

/**
 * WebSocket translator: any error from a message handler becomes one
 * `{"event":"error","data":{code, message}}` frame on that socket, which
 * stays open.
 */
@Catch()
export class WsErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const socket = host.switchToWs().getClient<WebSocket>();
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(encodeFrame(ServerEvent.Error, this.translate(error)));
  }

  private translate(error: unknown): { code: string; message: string } {
    if (error instanceof WsException) {
      const body = error.getError();
      if (typeof body === 'object' && body !== null && 'code' in body) return body as { code: string; message: string };
      return { code: ErrorCode.InvalidData, message: typeof body === 'string' ? body : JSON.stringify(body) };
    }
    if (error instanceof DomainError) {
      return { code: WS_ERROR_CODE[error.code as NotificationsErrorCode | RoomsErrorCode] ?? ErrorCode.InternalError, message: error.message };
    }
    this.logger.error(`unhandled error in a message handler: ${(error as Error).stack ?? String(error)}`);
    return { code: ErrorCode.InternalError, message: 'internal error' };
  }
}
