import { STATUS_CODES } from 'node:http';
import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { Principal } from './principal';

/**
 * Per-caller REST rate limit (`RATE_LIMIT_PER_MINUTE`, per instance): keyed
 * by the token's `sub` when authenticated, by client IP otherwise. Runs
 * after authentication. Over the limit: 429 in NestJS's error shape with a
 * `Retry-After` header (seconds).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request.user as Principal | undefined;
    return principal ? `user:${principal.sub}` : `ip:${String(request.ip)}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        message: `rate limit of ${detail.limit} requests per ${detail.ttl / 1000} s exceeded`,
        error: STATUS_CODES[HttpStatus.TOO_MANY_REQUESTS],
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
