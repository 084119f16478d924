import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { Response } from 'express';
import { NotificationsErrorCode } from '../notifications/notifications.errors';
import { RoomsErrorCode } from '../rooms/rooms.errors';
import { DomainError } from './domain-error';

/** Every domain error code and its HTTP status; the compiler keeps it exhaustive. */
const HTTP_STATUS: Record<NotificationsErrorCode | RoomsErrorCode, HttpStatus> = {
  notification_not_found: HttpStatus.NOT_FOUND,
  idempotency_key_reused: HttpStatus.UNPROCESSABLE_ENTITY,
  room_invalid: HttpStatus.BAD_REQUEST,
  not_joined: HttpStatus.FORBIDDEN,
  too_many_rooms: HttpStatus.TOO_MANY_REQUESTS,
};

/**
 * REST translator for domain errors: NestJS's error shape
 * `{statusCode, message, error}` plus the stable `code`.
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = HTTP_STATUS[error.code as NotificationsErrorCode | RoomsErrorCode] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, message: error.message, error: httpReason(status), code: error.code });
  }
}

function httpReason(status: HttpStatus): string {
  return (
    {
      [HttpStatus.BAD_REQUEST]: 'Bad Request',
      [HttpStatus.FORBIDDEN]: 'Forbidden',
      [HttpStatus.TOO_MANY_REQUESTS]: 'Too Many Requests',
      [HttpStatus.NOT_FOUND]: 'Not Found',
      [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Entity',
    } as Partial<Record<HttpStatus, string>>
  )[status] ?? 'Internal Server Error';
}
