import { DynamicModule, Global, Module } from '@nestjs/common';
import { HeraldConfig } from './herald.config';

/** Injection token for the validated `HeraldConfig`. */
export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

/** Makes the one validated `HeraldConfig` injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG],
    };
  }
}
