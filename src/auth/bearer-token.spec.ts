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
});
