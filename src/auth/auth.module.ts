import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DevTokenController } from './dev-token.controller';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { TokenRules } from './token-rules';

/** Token verification for REST (global guards) and for the WebSocket upgrade (`TokenRules`). */
@Module({
  imports: [PassportModule],
  controllers: [DevTokenController],
  providers: [
    TokenRules,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenRules],
})
export class AuthModule {}
