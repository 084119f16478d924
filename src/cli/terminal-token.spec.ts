import { expiresIn, TerminalToken } from './terminal-token';

const NOW = Date.UTC(2030, 0, 1);
const at = (seconds: number) => NOW / 1000 + seconds;

describe('expiresIn', () => {
  it.each([
    [0, '0 s'],
    [-5, '0 s'],
    [45, '45 s'],
    [59.9, '59 s'],
    [60, '1 min'],
    [3599, '59 min'],
    [3600, '1 h'],
    [3600 + 5 * 60 + 30, '1 h 5 min'],
  ])('says %j seconds as %j', (seconds, text) => {
    expect(expiresIn(at(seconds), NOW)).toBe(text);
  });
});

describe('TerminalToken.given', () => {
  const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('reads exp without verifying, and cannot be renewed', async () => {
    const token = TerminalToken.given(jwt({ sub: 'alice', exp: 1234 }));
    expect(token.expiresAt).toBe(1234);
    expect(token.renewable).toBe(false);
    await expect(token.renew()).rejects.toThrow(/cannot be renewed/);
  });

  it.each(['not-a-jwt', jwt({ sub: 'alice' }), 'a.%%%.c'])('has no exp for %j', (value) => {
    expect(TerminalToken.given(value).expiresAt).toBeNull();
  });
});
