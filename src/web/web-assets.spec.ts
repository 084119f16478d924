import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { securityHeaders } from './security-headers';
import { webPublicDir } from './web-assets';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');

describe('webPublicDir', () => {
  it('finds the pages beside the sources (ts-jest, src/web)', () => {
    expect(webPublicDir(__dirname)).toBe(join(__dirname, 'public'));
    expect(existsSync(join(webPublicDir(__dirname), 'index.html'))).toBe(true);
  });

  it("finds the package's src/web/public from compiled code in dist/src/web, where tsc copied no assets", () => {
    expect(webPublicDir(join(PACKAGE_ROOT, 'dist', 'src', 'web'))).toBe(join(PACKAGE_ROOT, 'src', 'web', 'public'));
  });
});

describe('securityHeaders', () => {
  it('allows scripts, styles and connections only from this origin and its WebSocket', () => {
    const csp = securityHeaders('herald.example:8443')['Content-Security-Policy'];
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' ws://herald.example:8443 wss://herald.example:8443",
        "frame-ancestors 'none'",
      ]),
    );
    expect(csp).not.toMatch(/unsafe/);
  });

  it.each([
    ['a Host that could inject a source', 'evil.example; script-src *'],
    ['a Host with a scheme', 'http://evil.example'],
    ['no Host', undefined],
  ])("falls back to connect-src 'self' for %s", (_, host) => {
    expect(securityHeaders(host)['Content-Security-Policy']).toContain("connect-src 'self'; ");
  });

  it('keeps an IPv6 Host with its port', () => {
    expect(securityHeaders('[::1]:3000')['Content-Security-Policy']).toContain("connect-src 'self' ws://[::1]:3000 wss://[::1]:3000;");
  });
});
