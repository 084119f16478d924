/** A Host header that is safe to repeat in a CSP source expression: name or [IPv6], optional port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Headers of every web client response.
 *
 * - Content-Security-Policy (CSP Level 3): scripts, styles and images only
 *   from this origin, no inline script, no plugins, no framing, no `<base>`.
 *   `connect-src` allows this origin's REST and its WebSocket; 'self' covers
 *   same-host ws:/wss: in CSP Level 3 browsers, and the explicit
 *   `ws://host wss://host` keeps older ones working.
 * - `X-Content-Type-Options: nosniff`: scripts and styles only with their type.
 * - `Referrer-Policy: no-referrer`: page URLs never leave the browser.
 */
export function securityHeaders(host: string | undefined): Record<string, string> {
  const socket = host && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${socket}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
