import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { Response } from 'express';
import { DomainError } from './domain-error';

/**
 * REST translator for domain errors: the error's own `httpStatus` in
 * NestJS's error shape `{statusCode, message, error}`, plus the stable `code`.
 */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = error.httpStatus;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, message: error.message, error: STATUS_CODES[status], code: error.code });
  }
}
