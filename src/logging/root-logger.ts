import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino, { DestinationStream, Level, Logger } from 'pino';
import pretty from 'pino-pretty';
import { HeraldConfig, LogLevel } from '../config/herald.config';
import { redactHeaders, redactUrl } from './log-redaction';
import { requestIdOf } from './request-id';

/** pino's level for each `LOG_LEVEL` (Nest's names). */
const PINO_LEVELS: Record<LogLevel, Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** Fields a pretty line leaves out: pretty is for reading a terminal; `LOG_FORMAT=json` keeps everything. */
const PRETTY_IGNORED = 'pid,hostname,context,req,res,responseTime';

/**
 * The process's pino logger for `LOG_LEVEL` and `LOG_FORMAT`: JSON lines
 * (ISO time, level names) or pino-pretty's lines, written to stdout, or to
 * `destination` (tests capture a deployment's log this way). Requests are
 * logged through `serializeRequest`, so no token reaches a line.
 */
export function createRootLogger(config: Pick<HeraldConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: PINO_LEVELS[config.logLevel],
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
  };
  if (config.logFormat === 'json') {
    return pino({ ...options, formatters: { level: (label) => ({ level: label }) } }, destination ?? pino.destination({ fd: 1, sync: true }));
  }
  const stream = pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: PRETTY_IGNORED,
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
    sync: true,
    ...(destination ? { destination } : {}),
  });
  return pino(options, stream);
}

/**
 * Nest's logger over `root`, for `NestFactory.create` before the app's own
 * (nestjs-pino's, on the same root) takes over: start-up lines, and the
 * error that stops a start-up, are pino's too.
 */
export function nestLoggerFor(root: Logger): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), {});
}

/** What a log line says about a request (HTTP or WebSocket upgrade): credentials redacted, never the body. */
export function serializeRequest(request: IncomingMessage & { originalUrl?: string }): Record<string, unknown> {
  return {
    id: requestIdOf(request),
    method: request.method,
    url: redactUrl(request.originalUrl ?? request.url ?? ''),
    headers: redactHeaders(request.headers),
    remoteAddress: request.socket?.remoteAddress,
  };
}

/** What a log line says about a response: its status. */
function serializeResponse(response: ServerResponse): Record<string, unknown> {
  return { statusCode: response.statusCode };
}
