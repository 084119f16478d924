import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { loadConfig } from '../config/load-config';
import { InvalidTokenError, TokenRules } from './token-rules';

const SECRET = 'token-sub-spec-secret-0123456789abcdefgh';

/** A compact HS256 JWS built by hand; JSON.stringify writes a lone surrogate as `\udXXX`, which JSON.parse reads back. */
function jwt(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

/** A code point an id may hold. */
const idCodePoint = fc
  .integer({ min: 0x20, max: 0x10ffff })
  .filter((code) => !(code >= 0x7f && code <= 0x9f) && !(code >= 0xd800 && code <= 0xdfff))
  .map((code) => String.fromCodePoint(code));
/** A lone surrogate or a C0/C1 control character. */
const forbiddenUnit = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((code) => String.fromCharCode(code));

describe('TokenRules and the user id rule', () => {
  const rules = new TokenRules(loadConfig({ JWT_SECRET: SECRET }));
  const exp = () => Math.floor(Date.now() / 1000) + 3600;

  it('refuses any correctly signed token whose sub holds a lone surrogate or a control character', async () => {
    const piece = fc.string({ unit: idCodePoint, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(piece, forbiddenUnit, piece, async (before, unit, after) => {
        await expect(rules.verify(jwt({ sub: before + unit + after, exp: exp() }))).rejects.toThrow(InvalidTokenError);
        expect(() => rules.principalFromClaims({ sub: before + unit + after, exp: exp() })).toThrow(InvalidTokenError);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses the pair of the attack run: "\\ud800-R" and "\\udfff-R", while "\\ufffd-R" is a user', async () => {
    await expect(rules.verify(jwt({ sub: '\ud800-R', exp: exp() }))).rejects.toThrow(InvalidTokenError);
    await expect(rules.verify(jwt({ sub: '\udfff-R', exp: exp() }))).rejects.toThrow(InvalidTokenError);
    expect((await rules.verify(jwt({ sub: '\ufffd-R', exp: exp() }))).sub).toBe('\ufffd-R');
  });
});
