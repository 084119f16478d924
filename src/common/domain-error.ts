import { HttpStatus } from '@nestjs/common';

/**
 * Base of every feature's error type. Services throw these, never
 * `HttpException`, so one call serves REST and WebSocket alike; each
 * transport translates `code` (snake_case, stable, part of the API). The
 * feature decides the REST status of each of its codes (`httpStatus`), so
 * the REST translator needs to know no feature.
 */
export abstract class DomainError<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    message: string,
    /** The HTTP status this error answers on REST (RFC 9110 section 15). */
    readonly httpStatus: HttpStatus,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
