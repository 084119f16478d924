import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { DevTokenController } from './dev-token.controller';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RateLimitGuard } from './rate-limit.guard';
import { RolesGuard } from './roles.guard';
import { TokenRules } from './token-rules';

/** Token verification for REST (global guards, rate limit) and for the WebSocket upgrade (`TokenRules`). */
@Module({
  imports: [
    PassportModule,
    ThrottlerModule.forRootAsync({
      inject: [HERALD_CONFIG],
      useFactory: (config: HeraldConfig) => ({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }] }),
    }),
  ],
  controllers: [DevTokenController],
  providers: [
    TokenRules,
    JwtStrategy,
    // Order matters: authenticate, then rate-limit by user, then check roles.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenRules],
})
export class AuthModule {}
