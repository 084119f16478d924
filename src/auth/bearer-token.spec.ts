import fc from 'fast-check';
import { bearerTokenOf } from './bearer-token';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('bearerTokenOf (RFC 6750 section 2.1)', () => {
  it.each([
    ['"Bearer" and one space', `Bearer ${TOKEN}`],
    ['the scheme in lower case', `bearer ${TOKEN}`],
    ['the scheme in upper case', `BEARER ${TOKEN}`],
    ['the scheme in mixed case', `bEaReR ${TOKEN}`],
    ['more than one space (1*SP)', `Bearer   ${TOKEN}`],
    ['b64token padding', 'Bearer abc+/_-.~=='],
  ])('reads the token after %s', (_, header) => {
    expect(bearerTokenOf(header)).toBe(header.slice(header.search(/ +[^ ]/)).trim());
  });

  it.each([
    ['a tab instead of a space', `Bearer\t${TOKEN}`],
    ['a space and a tab', `Bearer \t${TOKEN}`],
    ['a line feed', `Bearer\n${TOKEN}`],
    ['a non-breaking space', `Bearer\u00a0${TOKEN}`],
    ['no separator', `Bearer${TOKEN}`],
    ['no token', 'Bearer '],
    ['the scheme alone', 'Bearer'],
    ['another scheme', `Basic ${TOKEN}`],
    ['no scheme', TOKEN],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`],
    ['trailing whitespace after the token', `Bearer ${TOKEN} `],
    ['a character outside b64token', `Bearer ${TOKEN}!`],
    ['padding in the middle', 'Bearer ab=cd'],
  ])('refuses a header with %s', (_, header) => {
    expect(bearerTokenOf(header)).toBeNull();
  });

  // Every character JavaScript's \s matches, and the other separators a lenient parser might split on.
  const whitespace = fc.constantFrom('\t', '\n', '\v', '\f', '\r', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u3000', '\ufeff', ',', ';');

  it('reads the token after any number of spaces, whatever the case of the scheme (property)', () => {
    const scheme = fc.constantFrom(...['bearer', 'Bearer', 'BEARER', 'bEARER', 'BeArEr']);
    fc.assert(
      fc.property(scheme, fc.integer({ min: 1, max: 8 }), (name, spaces) => {
        expect(bearerTokenOf(`${name}${' '.repeat(spaces)}${TOKEN}`)).toBe(TOKEN);
      }),
    );
  });

  it('refuses every separator that has anything but spaces in it (property)', () => {
    const separator = fc
      .tuple(fc.array(fc.constant(' '), { maxLength: 3 }), whitespace, fc.array(fc.oneof(fc.constant(' '), whitespace), { maxLength: 3 }))
      .map(([before, odd, after]) => [...before, odd, ...after].join(''));
    fc.assert(
      fc.property(separator, (between) => {
        expect(bearerTokenOf(`Bearer${between}${TOKEN}`)).toBeNull();
      }),
    );
  });
});
