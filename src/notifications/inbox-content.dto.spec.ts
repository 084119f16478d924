import { isSafeUrl } from './inbox-content.dto';

describe('isSafeUrl (the url and action url rule)', () => {
  it.each(['https://example.com/posts/7', 'http://localhost:3000/x?y=1#z', '/posts/7', '/'])('accepts %s', (url) => {
    expect(isSafeUrl(url)).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'ftp://example.com/file',
    '//evil.example/x',
    '/\\evil.example/x',
    'posts/7',
    'https://',
    'https://example.com/a b',
    'https://example.com/\u0000',
    '',
    `/${'x'.repeat(2048)}`,
  ])('refuses %j', (url) => {
    expect(isSafeUrl(url)).toBe(false);
  });
});
