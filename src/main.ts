import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { runClusterPrimary } from './cluster-primary';
import { loadConfig, loadDotEnv } from './config/load-config';
import { createRootLogger, nestLoggerFor } from './logging/root-logger';
import { exitWithinShutdownBound } from './shutdown-bound';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  // From here on every line is pino's (JSON under LOG_FORMAT=json), start-up and its failure included.
  const logger = createRootLogger(config);
  // HERALD_WORKERS > 1: this process only supervises; each forked worker runs the code below.
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config.workers, logger.child({ context: 'Cluster' }));
  try {
    const app = await NestFactory.create(AppModule.forRoot(config, { rootLogger: logger }), createHttpAdapter(), {
      logger: nestLoggerFor(logger),
      // configureApp registers the body parsers.
      bodyParser: false,
    });
    configureApp(app);
    exitWithinShutdownBound();
    await app.listen(config.port, config.host);
  } catch (error) {
    logger.fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

// Only an invalid configuration gets here, before there is a logger to say it.
bootstrap().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
