import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

/** The browser client (`/`, `/preferences/`, `/chat/`, `/chat/<room>/`, `/admin/`), served by Herald itself. */
@Module({
  controllers: [WebController],
  providers: [{ provide: WebAssets, useFactory: () => new WebAssets() }],
})
export class WebModule {}
