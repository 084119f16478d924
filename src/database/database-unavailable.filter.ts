import { ArgumentsHost, Catch, HttpServer, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { isDatabaseUnavailable } from './database-errors';

/** Seconds a client should wait before retrying while the database is down (`Retry-After`, RFC 9110 10.2.3). */
const RETRY_AFTER_SECONDS = 5;

/**
 * Answers 503 Service Unavailable with `Retry-After` when a request failed
 * because the database cannot be reached, in NestJS's error shape with
 * code `database_unavailable`. Almost always nothing was stored; a
 * connection lost just after the database committed cannot be told apart,
 * so retry with the request's `Idempotency-Key` to be sure nothing is
 * stored twice. Every other error goes on to Nest's own handling.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(DatabaseUnavailableFilter.name);
  private lastLogged = 0;

  override catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isDatabaseUnavailable(error)) {
      super.catch(error, host);
      return;
    }
    // One line per outage second, not per request.
    if (Date.now() - this.lastLogged > 1_000) {
      this.lastLogged = Date.now();
      this.logger.warn(`database unavailable: ${(error as Error).message}`);
    }
    const http = this.applicationRef as HttpServer;
    const response: unknown = host.switchToHttp().getResponse();
    http.setHeader(response, 'Retry-After', String(RETRY_AFTER_SECONDS));
    http.reply(
      response,
      { statusCode: 503, message: 'database unavailable; retry later', error: 'Service Unavailable', code: 'database_unavailable' },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}
