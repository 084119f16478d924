import fc from 'fast-check';
import { REDACTED, redactHeaders, redactUrl } from './log-redaction';

const BASE = 'http://herald.test';

/** What the upgrade check would take for tokens from this request target. */
function tokensIn(url: string): string[] {
  return new URL(url, BASE).searchParams.getAll('access_token');
}

describe('redactUrl', () => {
  it.each([
    ['/ws?access_token=eyJhbGciOiJIUzI1NiJ9.e30.sig', `/ws?access_token=${REDACTED}`],
    ['/ws?since=42&access_token=abc.def.ghi', `/ws?since=42&access_token=${REDACTED}`],
    ['/ws?access_token=a&access_token=b', `/ws?access_token=${REDACTED}&access_token=${REDACTED}`],
    ['/ws?access%5Ftoken=abc', `/ws?access%5Ftoken=${REDACTED}`],
    ['/ws?ACCESS_TOKEN=abc', `/ws?ACCESS_TOKEN=${REDACTED}`],
    ['/ws?access_token', `/ws?access_token=${REDACTED}`],
    ['/ws?%E0%A4%A=abc', `/ws?%E0%A4%A=${REDACTED}`],
    ['/inbox#access_token=abc', `/inbox#${REDACTED}`],
  ])('redacts the token in %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each(['/notifications?limit=20&before=99', '/ws', '/', '/chat/lobby/?x=1&&y=', '/ws?access_token_hint=1'])('keeps %s as it is', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('leaves nothing the upgrade check would read as a token, whatever the query', () => {
    const name = fc.oneof(fc.constantFrom('access_token', 'access%5Ftoken', 'Access_Token', 'access_token%20', 'since'), fc.string());
    const value = fc.string({ unit: 'binary' });
    const pair = fc.tuple(name, value, fc.boolean()).map(([n, v, encode]) => `${n}=${encode ? encodeURIComponent(v) : v.replace(/[&#]/g, '')}`);
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), (pairs) => {
        const url = `/ws?${pairs.join('&')}`;
        expect(tokensIn(redactUrl(url)).filter((token) => token !== REDACTED)).toEqual([]);
      }),
    );
  });

  it('never keeps an encoded token in the line', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 12 }), fc.string(), (token, other) => {
        const encoded = encodeURIComponent(token);
        fc.pre(!encodeURIComponent(other).includes(encoded));
        expect(redactUrl(`/ws?other=${encodeURIComponent(other)}&access_token=${encoded}`)).not.toContain(encoded);
      }),
    );
  });
});

describe('redactHeaders', () => {
  it('replaces credentials and keeps the rest', () => {
    const headers = { authorization: 'Bearer abc', cookie: 'sid=1', 'proxy-authorization': 'Basic eA==', host: 'herald', 'x-request-id': 'r1' };
    expect(redactHeaders(headers)).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'proxy-authorization': REDACTED,
      host: 'herald',
      'x-request-id': 'r1',
    });
    expect(headers.authorization).toBe('Bearer abc');
  });
});
