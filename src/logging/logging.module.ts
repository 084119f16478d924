import { DynamicModule, Module, OnApplicationShutdown } from '@nestjs/common';
import { Logger as NestPinoLogger, Params, PARAMS_PROVIDER_TOKEN, PinoLogger } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import { DestinationStream, Logger } from 'pino';
import { HeraldConfig } from '../config/herald.config';
import { RequestLog, ROOT_LOGGER } from './request-log';
import { createRootLogger } from './root-logger';

/**
 * Logging through pino (nestjs-pino): Nest's own log calls and the request
 * lines share one logger per app, configured by `LOG_LEVEL` and
 * `LOG_FORMAT`. `configureApp` runs `RequestLog.middleware` first on every
 * request, binds the request's logger for its handler (`bindRequestLogger`)
 * and makes nestjs-pino's `Logger` the app's logger.
 *
 * nestjs-pino's providers without its `LoggerModule`: that module binds
 * the request logger through a Nest middleware on every route, which on
 * Fastify costs the middleware engine (middie) on every request; the
 * Fastify hook does the same binding.
 */
@Module({})
export class LoggingModule implements OnApplicationShutdown {
  /**
   * `root` is the process's logger when main.ts already made one (so that
   * start-up lines are pino's too); else one is made, writing to
   * `destination` when given (tests read a deployment's log lines from it).
   */
  static forRoot(config: HeraldConfig, { root, destination }: { root?: Logger; destination?: DestinationStream } = {}): DynamicModule {
    root ??= createRootLogger(config, destination);
    return {
      module: LoggingModule,
      global: true,
      providers: [
        // pino-http is run by configureApp, ahead of the body parser; nestjs-pino only reads each request's logger.
        { provide: PARAMS_PROVIDER_TOKEN, useValue: { pinoHttp: { logger: root }, useExisting: true } satisfies Params },
        PinoLogger,
        NestPinoLogger,
        { provide: ROOT_LOGGER, useValue: root },
        RequestLog,
      ],
      exports: [PinoLogger, NestPinoLogger, ROOT_LOGGER, RequestLog],
    };
  }

  /**
   * Turns off nestjs-pino's AsyncLocalStorage (a request's next run turns it
   * back on). Each enabled one taxes every promise of the process, and a
   * process that ran many apps (a test run) would otherwise keep them all.
   */
  onApplicationShutdown(): void {
    storage.disable();
  }
}
