import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, exitWithinShutdownBound } from './app.setup';
import { runClusterPrimary } from './cluster-primary';
import { loadConfig, loadDotEnv } from './config/load-config';
import { createRootLogger } from './logging/root-logger';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  // HERALD_WORKERS > 1: this process only supervises; each forked worker runs the code below.
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config.workers, createRootLogger(config).child({ context: 'Cluster' }));
  // Start-up lines wait for configureApp's pino logger, so that they are JSON too under LOG_FORMAT=json.
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  configureApp(app);
  exitWithinShutdownBound();
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
