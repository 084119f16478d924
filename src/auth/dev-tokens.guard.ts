import { CanActivate, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';

/**
 * 404 for `POST /auth/dev-token` while dev tokens are off (`AUTH_DEV_TOKENS`),
 * whatever the body: guards run before pipes, so a disabled route answers
 * as if it did not exist instead of validating the body first.
 */
@Injectable()
export class DevTokensGuard implements CanActivate {
  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  canActivate(): boolean {
    if (!this.config.auth.devTokens) throw new NotFoundException('Cannot POST /auth/dev-token');
    return true;
  }
}
