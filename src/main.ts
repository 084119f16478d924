import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, logLevelsFor } from './app.setup';
import { runClusterPrimary } from './cluster-primary';
import { loadConfig, loadDotEnv } from './config/load-config';
import { exitWithinShutdownBound } from './shutdown-bound';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  // HERALD_WORKERS > 1: this process only supervises; each forked worker runs the code below.
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config.workers, logLevelsFor(config.logLevel));
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: logLevelsFor(config.logLevel) });
  configureApp(app);
  exitWithinShutdownBound();
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
