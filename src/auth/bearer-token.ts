/**
 * `credentials = "Bearer" 1*SP b64token` (RFC 6750 section 2.1), the scheme
 * case-insensitive (RFC 7235 section 2.1). Spaces only: a tab or any other
 * whitespace between scheme and token is not this grammar.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The one reader of `Authorization: Bearer` headers, for REST and for the
 * WebSocket upgrade alike.
 * @returns the token, or null when the header is not Bearer credentials.
 */
export function bearerTokenOf(authorization: string): string | null {
  return BEARER_CREDENTIALS.exec(authorization)?.[1] ?? null;
}
