import { FastifyInstance } from 'fastify';
import { WebAssets } from './web-assets';

/**
 * `GET /preferences/` (with the slash): the preferences page. The router
 * matches paths with and without a trailing slash alike, and
 * `GET /preferences` is the REST route of the preferences feature, so the
 * page is picked out in an `onRequest` hook, before routing, by its exact
 * path in any letter case, as the router matches (one comparison per
 * request). Registered after the request log's hook, so the page's
 * requests are logged like any other.
 */
export function servePreferencesPage(fastify: FastifyInstance, assets: WebAssets): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && request.url.split('?')[0].toLowerCase() === '/preferences/') {
      assets.send(request, reply, 'preferences.html');
      return;
    }
    done();
  });
}
