import { FastifyReply, FastifyRequest } from 'fastify';
import { Histogram } from 'prom-client';
import { bodyRefused } from '../common/json-body-parser';

/** The `route` label of a request no route answered: nothing matched, or it was refused before routing (a 400 or 413 body). */
export const UNMATCHED_ROUTE = 'unmatched';

export type HttpLabel = 'method' | 'route' | 'status_code';

/** A Fastify `onResponse` hook. */
export type ResponseHook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * Times every HTTP request from its arrival to the end of its response
 * into `http_request_duration_seconds{method,route,status_code}`, as
 * Fastify's `onResponse` hook (Fastify times from the request's arrival).
 * `route` is the pattern of the Nest route that answered
 * (`/notifications/:id/read`), never the raw path, so ids and room names
 * cannot blow up the series count; a response that was not sent in full
 * (the client hung up) is not counted.
 */
export function httpMetricsHook(histogram: Histogram<HttpLabel>): ResponseHook {
  return (request, reply, done) => {
    if (reply.raw.writableFinished) {
      histogram.observe({ method: request.method, route: routeOf(request), status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
    done();
  };
}

/**
 * The matched route's pattern. Fastify routes before it reads the body,
 * so a body refused by the parser (400, 413, 415) still counts as
 * unmatched, as the contract says; Fastify's not-found handler has no
 * pattern.
 */
function routeOf(request: FastifyRequest): string {
  const pattern = request.is404 ? undefined : request.routeOptions.url;
  return typeof pattern === 'string' && !bodyRefused(request.raw) ? pattern : UNMATCHED_ROUTE;
}
