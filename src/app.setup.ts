import { INestApplication, Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { TokenRules } from './auth/token-rules';
import { jsonBodyParser } from './common/json-body-parser';
import { DatabaseUnavailableFilter } from './database/database-unavailable.filter';
import { DomainErrorFilter } from './common/domain-error.filter';
import { StrictValidationPipe } from './common/strict-validation.pipe';
import { HERALD_CONFIG } from './config/config.module';
import { HeraldConfig } from './config/herald.config';
import { serveOpenApi } from './openapi/openapi';
import { MAX_PAYLOAD_DEPTH } from './notifications/notifications.dto';
import { RequestLog } from './logging/request-log';
import { HERALD_METRICS } from './metrics/herald-metrics';
import { PrometheusHeraldMetrics } from './metrics/prometheus-herald-metrics';
import { HeraldWsAdapter } from './realtime/herald-ws.adapter';
import { ShutdownState } from './realtime/shutdown-state';
import { UpgradeAuthenticator } from './realtime/upgrade-authenticator';
import { UpgradeLimits } from './realtime/upgrade-limits';

/**
 * Everything between creating the app and listening, shared by `main.ts`
 * and the e2e harness so tests run the production setup: the pino logger,
 * the request log and HTTP metrics (first, so every request counts), body
 * size and depth limits, one global ValidationPipe, the domain error filter, the WebSocket
 * adapter with upgrade authentication, shutdown hooks and the start-up
 * warnings.
 */
export function configureApp(app: INestApplication): void {
  const config = app.get<HeraldConfig>(HERALD_CONFIG);
  app.useLogger(app.get(PinoNestLogger));
  const logger = new Logger('Herald');
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  const requests = app.get(RequestLog);
  express.use(requests.middleware);
  express.use(app.get(PrometheusHeraldMetrics).httpMiddleware);
  // A payload is a field of the body: the body may nest one level more than it.
  express.use(jsonBodyParser(config.bodyLimitBytes, MAX_PAYLOAD_DEPTH + 1));
  app.useGlobalPipes(
    new StrictValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  // The catch-all goes first so that the specific filter after it wins for its type.
  app.useGlobalFilters(new DatabaseUnavailableFilter(app.getHttpAdapter()), new DomainErrorFilter());
  app.useWebSocketAdapter(
    new HeraldWsAdapter(
      app,
      new UpgradeAuthenticator(app.get(TokenRules), config.realtime.allowedOrigins),
      app.get(ShutdownState),
      new UpgradeLimits(config.realtime),
      app.get(HERALD_METRICS),
      requests,
    ),
  );
  serveOpenApi(app);
  app.enableShutdownHooks();

  if (config.auth.usingDevelopmentSecret) {
    logger.warn('!!! JWT_SECRET is not set: tokens are signed and verified with the PUBLIC development key. Set JWT_SECRET before exposing Herald. !!!');
  }
  if (config.database.kind === 'sqlite') {
    logger.warn(`DATABASE_URL is not set: using the embedded SQLite file ${config.database.path} (single instance only)`);
  }
  if (config.auth.devTokens) logger.warn('POST /auth/dev-token is enabled: anyone can mint tokens (AUTH_DEV_TOKENS)');
}
