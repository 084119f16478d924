import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp, logLevelsFor } from './app.setup';
import { loadConfig, loadDotEnv } from './config/load-config';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: logLevelsFor(config.logLevel) });
  configureApp(app);
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
