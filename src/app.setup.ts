import { STATUS_CODES } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { TokenRules } from './auth/token-rules';
import { registerBodyParsers } from './common/json-body-parser';
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
import { servePreferencesPage } from './web/preferences-page.hook';
import { WebAssets } from './web/web-assets';

/** Longest path parameter Fastify routes (its default, 100, would turn a long id into 404 instead of its 400). */
const MAX_PARAM_LENGTH = 8 * 1024;

/**
 * The HTTP server: Nest on Fastify, routing as Herald did on Express
 * (paths match with or without a trailing slash, and in any case), with
 * Node's keep-alive and request timeouts (Fastify's own are 72 s and none) and no request
 * logging of Fastify's own (`RequestLog` writes the lines). While closing,
 * Fastify answers requests on kept-alive connections with 503 and closes
 * idle connections.
 */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    logger: false,
    frameworkErrors: refuseBeforeRouting,
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: MAX_PARAM_LENGTH },
  });
}

/** Each configured app's request log, for `refuseBeforeRouting`. */
const requestLogs = new WeakMap<FastifyInstance, RequestLog>();

/**
 * Answers a request Fastify refuses before any hook runs (a path that is
 * not valid percent-encoding) as every other request is answered: logged,
 * with its `X-Request-Id`, in NestJS's error shape.
 */
function refuseBeforeRouting(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  requestLogs.get(request.server)?.middleware(request.raw, reply.raw, () => undefined);
  const status = error.statusCode ?? 500;
  const message = error.code === 'FST_ERR_BAD_URL' ? 'request path is not valid percent-encoding' : error.message;
  void reply.code(status).send({ statusCode: status, message, error: STATUS_CODES[status] });
}

/**
 * Everything between creating the app (on `createHttpAdapter()`) and
 * listening, shared by `main.ts` and the e2e harness so tests run the
 * production setup: the pino logger, the request log and HTTP metrics
 * (first, so every request counts), body size and depth limits, one
 * global ValidationPipe, the domain error filter, the WebSocket adapter
 * with upgrade authentication, shutdown hooks and the start-up warnings.
 */
export function configureApp(app: INestApplication): void {
  const config = app.get<HeraldConfig>(HERALD_CONFIG);
  app.useLogger(app.get(PinoNestLogger));
  const logger = new Logger('Herald');
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const requests = app.get(RequestLog);
  fastify.addHook('onRequest', (request, reply, done) => requests.middleware(request.raw, reply.raw, done));
  requestLogs.set(fastify, requests);
  fastify.addHook('onResponse', app.get(PrometheusHeraldMetrics).httpHook);
  fastify.addHook('preHandler', requests.bindLogger);
  servePreferencesPage(fastify, app.get(WebAssets));
  // A payload is a field of the body: the body may nest one level more than it.
  registerBodyParsers(fastify, config.bodyLimitBytes, MAX_PAYLOAD_DEPTH + 1);
  app.useGlobalPipes(
    new StrictValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  // The catch-all goes first so that the specific filter after it wins for its type.
  app.useGlobalFilters(new DatabaseUnavailableFilter(app.getHttpAdapter()), new DomainErrorFilter(app.getHttpAdapter()));
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
