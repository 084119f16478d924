import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpServer } from '@nestjs/common';
import { DomainError } from './domain-error';

/**
 * REST translator for domain errors: the error's own `httpStatus` in
 * NestJS's error shape `{statusCode, message, error}`, plus the stable `code`.
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  /** `http` answers through the app's HTTP adapter (`app.getHttpAdapter()`). */
  constructor(private readonly http: HttpServer) {}

  catch(error: DomainError, host: ArgumentsHost): void {
    const status = error.httpStatus;
    this.http.reply(host.switchToHttp().getResponse(), { statusCode: status, message: error.message, error: STATUS_CODES[status], code: error.code }, status);
  }
}
