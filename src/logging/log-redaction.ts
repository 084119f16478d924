import { IncomingHttpHeaders } from 'node:http';

/** Written in place of a secret. */
export const REDACTED = '[Redacted]';

/** Query parameters that carry credentials: the RFC 6750 2.3 bearer token. */
const SECRET_PARAMS: ReadonlySet<string> = new Set(['access_token']);

/** Request headers that carry credentials. */
const SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * A request target with the value of every `access_token` query parameter
 * replaced by `[Redacted]`. Parameter names are compared after decoding,
 * as `URLSearchParams` (and so the upgrade check) decodes them, so
 * `access%5Ftoken=` is caught too, and without regard to case; every
 * other byte of the query is kept as sent. A fragment (browsers never send
 * one, so it has no business there) is replaced whole.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const target = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : `#${REDACTED}`;
  const query = target.indexOf('?');
  if (query === -1) return target + fragment;
  const parts = target
    .slice(query + 1)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals === -1 ? part : part.slice(0, equals);
      return isSecretParam(name) ? `${name}=${REDACTED}` : part;
    });
  return `${target.slice(0, query + 1)}${parts.join('&')}${fragment}`;
}

/** A copy of the headers with credentials replaced by `[Redacted]`. */
export function redactHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of SECRET_HEADERS) if (copy[name] !== undefined) copy[name] = REDACTED;
  return copy;
}

/** Whether a raw query parameter name is a credential's; one that does not decode is treated as one. */
function isSecretParam(name: string): boolean {
  try {
    return SECRET_PARAMS.has(decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase());
  } catch (error) {
    if (error instanceof URIError) return true;
    throw error;
  }
}
