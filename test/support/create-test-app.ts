import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import request from 'supertest';
import { AppModule, AppOptions } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/app.setup';
import { HeraldConfig } from '../../src/config/herald.config';
import { loadConfig } from '../../src/config/load-config';
import { acquireTestDatabase, releaseTestDatabase } from './test-database';
import { TEST_JWT_SECRET, TEST_REDIS_URL, unique } from './test-env';

/**
 * Environment overrides for one app: any variable `loadConfig()` reads.
 * A variable set to `undefined` removes the harness's default for it
 * (`REDIS_URL: undefined` runs the in-process broadcaster).
 */
export type HeraldEnv = Record<string, string | undefined>;

export interface TestAppOptions extends Pick<AppOptions, 'logDestination'> {
  /**
   * The embedded deployment: no `DATABASE_URL` and no `REDIS_URL`, so a
   * SQLite file in a fresh temporary directory (`config.database.path`) and
   * the in-process broadcaster and presence. `close()` removes the
   * directory. `env` still wins over these defaults.
   */
  embedded?: boolean;
}

export interface TestApp {
  app: INestApplication;
  /** The environment `loadConfig()` read: the harness's defaults with `env` over them. */
  env: HeraldEnv;
  config: HeraldConfig;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  http: () => ReturnType<typeof request>;
  /** Every route the app registered on Fastify (`HEAD` routes Fastify adds for each `GET` left out), as `METHOD /path/:param`. */
  routes: string[];
  /** Closes the app (its sockets with 1001) and releases what it owned; later calls return the same promise. */
  close: () => Promise<void>;
}

/**
 * Boots Herald exactly as `main.ts` does (same module, same
 * `configureApp`), on port 0, against the real MySQL and Redis unless the
 * environment overrides say otherwise. Each call gets its own Redis prefix
 * unless one is given (pass the same prefix to make instances share groups
 * and a database, as instances of one deployment do); without an explicit
 * `DATABASE_URL` each prefix gets a fresh MySQL database (see
 * `acquireTestDatabase`), dropped when its last app closes. `options`
 * are `AppModule.forRoot`'s (`logDestination` captures the app's log).
 */
export async function createTestApp(env: HeraldEnv = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const directory = options.embedded ? await mkdtemp(join(tmpdir(), 'herald-embedded-')) : undefined;
  const embedded: HeraldEnv = directory ? { DATABASE_URL: undefined, REDIS_URL: undefined, SQLITE_PATH: join(directory, 'data', 'herald.sqlite') } : {};
  const given = { ...embedded, ...env };
  const redisPrefix = given.REDIS_PREFIX ?? `${unique('herald-test')}:`;
  const ownDatabase = 'DATABASE_URL' in given ? undefined : await acquireTestDatabase(redisPrefix);
  const release = async () => {
    if (ownDatabase) await releaseTestDatabase(ownDatabase);
    if (directory) await rm(directory, { recursive: true, force: true });
  };
  const appEnv: HeraldEnv = {
    NODE_ENV: 'test',
    DATABASE_URL: ownDatabase,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    ...given,
  };
  let app: INestApplication;
  let config: HeraldConfig;
  const routes: string[] = [];
  try {
    config = loadConfig(appEnv);
    app = await NestFactory.create(AppModule.forRoot(config, { logDestination: options.logDestination }), createHttpAdapter(), {
      logger: ['error'],
      bodyParser: false,
    });
    configureApp(app);
    // Nest registers its routes when the app starts listening.
    (app.getHttpAdapter().getInstance() as FastifyInstance).addHook('onRoute', ({ method, url }) => {
      for (const one of [method].flat()) if (one !== 'HEAD') routes.push(`${one} ${url}`);
    });
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await release();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    env: appEnv,
    config,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${address.port}/ws`,
    http: () => request(app.getHttpServer()),
    routes,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await release();
      })()),
  };
}
