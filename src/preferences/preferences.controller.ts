import { BadRequestException, Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiErrorResponses } from '../common/error-response.dto';
import { CATEGORY_PATTERN } from '../common/category';
import { BEARER_SCHEME } from '../openapi/openapi';
import { CategoryPreferenceDto, PreferencesDto } from './preferences.dto';
import { PreferencesService } from './preferences.service';

/** The caller's notification preferences (docs/api.md, "Inbox"). */
@ApiTags('preferences')
@ApiBearerAuth(BEARER_SCHEME)
@ApiErrorResponses(401, 429, 503)
@Controller('preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  /** 200 `{categories: {<category>: {muted}}}`. */
  @Get()
  @ApiOperation({ summary: "The caller's category preferences" })
  @ApiOkResponse({ type: PreferencesDto })
  async get(@CurrentPrincipal() caller: Principal): Promise<PreferencesDto> {
    return { categories: await this.preferences.categories(caller.sub) };
  }

  /** 204: mutes or unmutes one category for the caller. */
  @Put('categories/:category')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Mute or unmute a category',
    description: 'Muted: stored and listed, not pushed, not in the top-level counts; `critical` ignores it.',
  })
  @ApiParam({ name: 'category', description: '`^[a-z0-9_.-]{1,64}$`', example: 'marketing' })
  @ApiNoContentResponse()
  @ApiErrorResponses(400)
  async put(@CurrentPrincipal() caller: Principal, @Param('category') category: string, @Body() body: CategoryPreferenceDto): Promise<void> {
    if (!CATEGORY_PATTERN.test(category)) throw new BadRequestException('category must match ^[a-z0-9_.-]{1,64}$');
    await this.preferences.setMuted(caller.sub, category, body.muted);
  }
}
