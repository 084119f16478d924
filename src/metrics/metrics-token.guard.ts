import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';

/**
 * With `METRICS_TOKEN` set, lets a request through only with
 * `Authorization: Bearer <METRICS_TOKEN>` (RFC 6750 2.1), else 401 with a
 * `WWW-Authenticate` challenge. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, so the time taken says nothing about the token or its
 * length. Without `METRICS_TOKEN` every request passes.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    this.expected = config.metricsToken === null ? null : digest(config.metricsToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) return true;
    const http = context.switchToHttp();
    const match = /^Bearer +(\S+)$/i.exec(http.getRequest<FastifyRequest>().headers.authorization ?? '');
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="herald-metrics"');
    throw new UnauthorizedException('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
