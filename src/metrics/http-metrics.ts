import { Request, RequestHandler, Response } from 'express';
import { Histogram } from 'prom-client';

/** The `route` label of a request no route answered: nothing matched, or it was refused before routing (a 400 or 413 body). */
export const UNMATCHED_ROUTE = 'unmatched';

export type HttpLabel = 'method' | 'route' | 'status_code';

/**
 * Times every HTTP request from its arrival to the end of its response
 * into `http_request_duration_seconds{method,route,status_code}`. `route`
 * is the pattern of the Nest route that answered (`/notifications/:id/read`),
 * never the raw path, so ids and room names cannot blow up the series
 * count. Mounted first, so that requests refused by later middleware count.
 */
export function httpMetricsMiddleware(histogram: Histogram<HttpLabel>): RequestHandler {
  return (request: Request, response: Response, next) => {
    const end = histogram.startTimer();
    response.once('finish', () => {
      end({ method: request.method, route: routeOf(request), status_code: String(response.statusCode) });
    });
    next();
  };
}

/**
 * Where Nest mounts module middleware (nestjs-pino's) for every path: an
 * Express route too, so it is `request.route` for a request that no
 * controller route matched afterwards.
 */
const MIDDLEWARE_MOUNT = '/{*splat}';

/** The matched route's pattern: Express sets `request.route` to each route it dispatches to, the controller's last. */
function routeOf(request: Request): string {
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && path !== MIDDLEWARE_MOUNT ? path : UNMATCHED_ROUTE;
}
