import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';

/** The request id header, read from requests and set on every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming `X-Request-Id` may be to be used as the id: 1-128 visible ASCII characters. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The id of a request, HTTP or WebSocket upgrade, kept on `request.id` as
 * pino-http does: the client's `X-Request-Id` when it is 1-128 visible
 * ASCII characters (a proxy's or caller's id carries through), else a new
 * UUID (RFC 9562 version 4). The first call decides; later calls return it.
 */
export function requestIdOf(request: IncomingMessage & { id?: unknown }): string {
  if (typeof request.id === 'string') return request.id;
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  request.id = id;
  return id;
}
