import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigModule, HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './run-migrations';
import { TransactionRunner } from './transaction-runner';

/** Opens the database and applies pending migrations before anything else starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [ConfigModule],
      inject: [HERALD_CONFIG],
      useFactory: (config: HeraldConfig) => ({ ...dataSourceOptions(config.database), retryAttempts: 3, retryDelay: 1000 }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [TransactionRunner],
  exports: [TransactionRunner],
})
export class DatabaseModule {}
