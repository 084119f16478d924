import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { PreferencesPageMiddleware } from './preferences-page.middleware';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

/** The browser client (`/`, `/preferences/`, `/chat/`, `/chat/<room>/`, `/admin/`), served by Herald itself. */
@Module({
  controllers: [WebController],
  providers: [{ provide: WebAssets, useFactory: () => new WebAssets() }],
})
export class WebModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // On every path (one string comparison): bound to `preferences` it would show as a second `GET /preferences` route.
    consumer.apply(PreferencesPageMiddleware).forRoutes('*');
  }
}
