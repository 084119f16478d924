import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { AppModule, AppOptions } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { HeraldConfig } from '../../src/config/herald.config';
import { loadConfig } from '../../src/config/load-config';
import { acquireTestDatabase, releaseTestDatabase } from './test-database';
import { TEST_JWT_SECRET, TEST_REDIS_URL, unique } from './test-env';

export interface TestApp {
  app: INestApplication;
  config: HeraldConfig;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  http: () => ReturnType<typeof request>;
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
export async function createTestApp(env: Record<string, string | undefined> = {}, options: AppOptions = {}): Promise<TestApp> {
  const redisPrefix = env.REDIS_PREFIX ?? `${unique('herald-test')}:`;
  const ownDatabase = 'DATABASE_URL' in env ? undefined : await acquireTestDatabase(redisPrefix);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: ownDatabase,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    ...env,
  });
  let app: INestApplication;
  try {
    app = await NestFactory.create(AppModule.forRoot(config, options), { logger: ['error'] });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    if (ownDatabase) await releaseTestDatabase(ownDatabase);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${address.port}/ws`,
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      if (ownDatabase) await releaseTestDatabase(ownDatabase);
    },
  };
}
