import { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { Request, RequestHandler } from 'express';
import { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactUrl } from './log-redaction';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';

/** Injection token for the process's root pino `Logger` (see `createRootLogger`). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * One log line per request. HTTP requests go through pino-http, mounted
 * first so that requests refused before routing (413, 400 on a bad body)
 * are logged too; WebSocket upgrades never reach Express, so the adapter
 * reports each decision here. Every response carries `X-Request-Id`, and
 * log lines written while a request runs carry its `reqId`.
 */
@Injectable()
export class RequestLog {
  /** The pino-http middleware; `configureApp` mounts it before any other. */
  readonly middleware: RequestHandler;

  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {
    this.middleware = pinoHttp({
      logger,
      // The root logger's own serializers redact; pino-http's default ones would log the raw URL and query.
      wrapSerializers: false,
      quietReqLogger: true,
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const id = requestIdOf(request);
        response.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
      customSuccessMessage: (request, response) => `${describe(request, response.statusCode)}${response.writableEnded ? '' : ' (aborted)'}`,
      customErrorMessage: (request, response) => describe(request, response.statusCode),
      // For a 5xx without an error pino-http makes one up ("failed with status code 503"); its stack says nothing.
      customErrorObject: (_request, response, error, fields: Record<string, unknown>) =>
        error.message === `failed with status code ${response.statusCode}` ? { ...fields, err: undefined } : fields,
    });
  }

  /**
   * Logs a WebSocket upgrade decision: 101 when accepted, else the status
   * it was refused with.
   * @returns the request id, for the response's `X-Request-Id`.
   */
  upgrade(request: IncomingMessage, status: number): string {
    const id = requestIdOf(request);
    this.logger.info({ reqId: id, req: request, res: { statusCode: status } }, describe(request, status));
    return id;
  }
}

/** `GET /ws?access_token=[Redacted] 101`: the message of a request's line. */
function describe(request: IncomingMessage, status: number): string {
  return `${request.method} ${redactUrl((request as Request).originalUrl ?? request.url ?? '')} ${status}`;
}
