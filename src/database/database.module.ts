import { Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigModule, HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { dataSourceOptions } from './database.options';
import { runMigrations } from './run-migrations';
import { SQL_DIALECT, sqlDialect } from './sql-dialect';
import { TransactionRunner } from './transaction-runner';

/** Opens the database, applies pending migrations before anything else starts, and provides its `SqlDialect`. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [ConfigModule],
      inject: [HERALD_CONFIG],
      useFactory: (config: HeraldConfig) => ({ ...dataSourceOptions(config.database), autoLoadEntities: true, retryAttempts: 3, retryDelay: 1000 }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
  providers: [
    TransactionRunner,
    { provide: SQL_DIALECT, inject: [getDataSourceToken()], useFactory: (dataSource: DataSource) => sqlDialect(dataSource.options.type) },
  ],
  exports: [TransactionRunner, SQL_DIALECT],
})
export class DatabaseModule {}
