import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { ApiErrorResponses } from '../common/error-response.dto';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { Public } from './auth.decorators';
import { DevTokenRequestDto, DevTokenResponse } from './dev-token.dto';
import { DevTokensGuard } from './dev-tokens.guard';
import { signAccessToken } from './token-signer';

/**
 * `POST /auth/dev-token`: mints a token for any user, for development and
 * demos. Enabled by `AUTH_DEV_TOKENS` (on unless `NODE_ENV=production`);
 * answers 404 when disabled, as if the route did not exist (`DevTokensGuard`).
 */
@ApiTags('auth')
@Controller('auth')
export class DevTokenController {
  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  @Public()
  @Throttle({ default: { limit: 30, ttl: 60_000 } })
  @Post('dev-token')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Mint a development token',
    description: 'Anyone, only while `AUTH_DEV_TOKENS` is on; 404 otherwise, as if the route did not exist.',
  })
  @ApiCreatedResponse({ type: DevTokenResponse })
  @ApiErrorResponses(400, 404, 429)
  @UseGuards(DevTokensGuard)
  issue(@Body() body: DevTokenRequestDto): DevTokenResponse {
    return { token: signAccessToken(this.config, { sub: body.sub, roles: body.roles, ttlSeconds: body.ttl }) };
  }
}
