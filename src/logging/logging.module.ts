import { DynamicModule, Module, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import { DestinationStream, Logger } from 'pino';
import { HeraldConfig } from '../config/herald.config';
import { RequestLog, ROOT_LOGGER } from './request-log';
import { createRootLogger } from './root-logger';

/**
 * Logging through pino (nestjs-pino): Nest's own log calls and the request
 * lines share one logger per app, configured by `LOG_LEVEL` and
 * `LOG_FORMAT`. `configureApp` mounts `RequestLog.middleware` and makes
 * nestjs-pino's `Logger` the app's logger.
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
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger: root },
          // pino-http is mounted by configureApp, ahead of the body parser; nestjs-pino only binds each request's logger.
          useExisting: true,
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: root }, RequestLog],
      exports: [ROOT_LOGGER, RequestLog],
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
