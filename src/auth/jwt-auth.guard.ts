import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { FastifyReply } from 'fastify';
import { IS_PUBLIC } from './auth.decorators';

/**
 * Global REST guard: every route needs `Authorization: Bearer <jwt>` unless
 * marked `@Public()`. A refusal is 401 with a `WWW-Authenticate` challenge
 * (RFC 6750 section 3).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T, _info: unknown, context: ExecutionContext): T {
    if (error || !user) {
      context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="herald", error="invalid_token"');
      throw new UnauthorizedException('missing, malformed or invalid bearer token');
    }
    return user;
  }
}
