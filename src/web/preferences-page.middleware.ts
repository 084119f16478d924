import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { WebAssets } from './web-assets';

/**
 * `GET /preferences/` (with the slash): the preferences page. Express
 * matches routes with and without a trailing slash alike, and
 * `GET /preferences` is the REST route of the preferences feature, so the
 * page is picked out here, before routing, by its exact path.
 */
@Injectable()
export class PreferencesPageMiddleware implements NestMiddleware {
  constructor(private readonly assets: WebAssets) {}

  use(request: Request, response: Response, next: NextFunction): void {
    // originalUrl: a middleware's `path` is relative to where it is mounted.
    if ((request.method === 'GET' || request.method === 'HEAD') && request.originalUrl.split('?')[0] === '/preferences/') {
      this.assets.send(request, response, 'preferences.html');
      return;
    }
    next();
  }
}
