import { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { storage, Store } from 'nestjs-pino/storage';
import { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactUrl } from './log-redaction';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';

/** Injection token for the process's root pino `Logger` (see `createRootLogger`). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** A Node-style middleware over the raw request and response. */
export type RawMiddleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * One log line per request. HTTP requests go through pino-http, run by
 * `configureApp` on Fastify's first hook, so that requests refused before
 * their handler (413, 400 on a bad body) are logged too; WebSocket
 * upgrades never reach Fastify, so the adapter reports each decision here.
 * Every response carries `X-Request-Id`, and log lines written while a
 * request runs carry its `reqId`.
 */
@Injectable()
export class RequestLog {
  /** The pino-http middleware (on the raw request and response); `configureApp` runs it before anything else. */
  readonly middleware: RawMiddleware;

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
   * Fastify's `preHandler` hook: runs the rest of the request (its guards,
   * pipes, handler and filters) with the request's logger bound, so that
   * nestjs-pino's `Logger` writes its lines with the request's `reqId`. A
   * hook after the body was read, since the context would not survive the
   * body's stream events.
   */
  readonly bindLogger = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    storage.run(new Store((request.raw as IncomingMessage & { log: Logger }).log), done);
  };

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
  return `${request.method} ${redactUrl(request.url ?? '')} ${status}`;
}
