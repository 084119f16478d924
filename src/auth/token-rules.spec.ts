import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { loadConfig } from '../config/load-config';
import { InvalidTokenError, SUBJECT_MAX_LENGTH, TokenRules } from './token-rules';
import { signAccessToken } from './token-signer';

const SECRET = 'token-rules-spec-secret-0123456789abcdef';
const OTHER_SECRET = 'a-different-secret-0123456789abcdefghij';

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

/**
 * A compact JWS (RFC 7515) built by hand, so the rule book is checked
 * against the wire format rather than against the library that signs.
 */
function jwt(claims: object, options: { alg?: 'HS256' | 'HS384' | 'HS512'; secret?: string } = {}): string {
  const alg = options.alg ?? 'HS256';
  const input = `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}`;
  const signature = createHmac(`sha${alg.slice(2)}`, options.secret ?? SECRET).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** An unsecured JWT (RFC 7519 section 6): `alg: none`, empty signature. */
function unsecuredJwt(claims: object): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

const validClaims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'alice',
  exp: now() + 3600,
  ...overrides,
});

function rulesFor(env: NodeJS.ProcessEnv = {}): TokenRules {
  return new TokenRules(loadConfig({ JWT_SECRET: SECRET, ...env }));
}

describe('TokenRules', () => {
  const rules = rulesFor();

  it('accepts a valid HS256 token and returns its sub, roles and exp', () => {
    const exp = now() + 600;
    expect(rules.verify(jwt({ sub: 'alice', roles: ['admin', 'service'], exp }))).toEqual({
      sub: 'alice',
      roles: ['admin', 'service'],
      expiresAt: exp,
    });
  });

  it('returns no roles when the token has no roles claim', () => {
    expect(rules.verify(jwt(validClaims())).roles).toEqual([]);
  });

  it('accepts a sub of exactly 128 characters', () => {
    expect(rules.verify(jwt(validClaims({ sub: 'u'.repeat(SUBJECT_MAX_LENGTH) }))).sub).toBe('u'.repeat(128));
  });

  it.each<[string, () => string]>([
    ['has no exp', () => jwt({ sub: 'alice' })],
    ['has expired', () => jwt(validClaims({ exp: now() - 1 }))],
    ['has a non-numeric exp', () => jwt(validClaims({ exp: String(now() + 3600) }))],
    ['is not yet valid (nbf in the future)', () => jwt(validClaims({ nbf: now() + 600 }))],
    ['is unsecured (alg none)', () => unsecuredJwt(validClaims())],
    ['is signed with HS384 and the same secret', () => jwt(validClaims(), { alg: 'HS384' })],
    ['is signed with HS512 and the same secret', () => jwt(validClaims(), { alg: 'HS512' })],
    ['is signed with another secret', () => jwt(validClaims(), { secret: OTHER_SECRET })],
    ['has a tampered payload', () => {
      const [header, , signature] = jwt(validClaims()).split('.');
      return `${header}.${base64url(validClaims({ sub: 'mallory' }))}.${signature}`;
    }],
    ['has no sub', () => jwt({ exp: now() + 3600 })],
    ['has an empty sub', () => jwt(validClaims({ sub: '' }))],
    ['has a sub of 129 characters', () => jwt(validClaims({ sub: 'u'.repeat(SUBJECT_MAX_LENGTH + 1) }))],
    ['has a numeric sub', () => jwt(validClaims({ sub: 42 }))],
    ['has roles that are not an array', () => jwt(validClaims({ roles: 'admin' }))],
    ['has roles with a non-string entry', () => jwt(validClaims({ roles: ['admin', 7] }))],
    ['is not a JWT at all', () => 'not-a-jwt'],
    ['is empty', () => ''],
  ])('rejects a token that %s', (_, token) => {
    expect(() => rules.verify(token())).toThrow(InvalidTokenError);
  });

  it('rejects a payload that is not an object', () => {
    const input = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('"alice"').toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expect(() => rules.verify(token)).toThrow(InvalidTokenError);
  });

  describe('issuer and audience', () => {
    it('ignores iss and aud when neither is configured', () => {
      expect(rules.verify(jwt(validClaims({ iss: 'anyone', aud: 'anything' }))).sub).toBe('alice');
    });

    describe('when JWT_ISSUER is configured', () => {
      const withIssuer = rulesFor({ JWT_ISSUER: 'https://issuer.example' });

      it('accepts the configured iss', () => {
        expect(withIssuer.verify(jwt(validClaims({ iss: 'https://issuer.example' }))).sub).toBe('alice');
      });

      it('rejects another iss', () => {
        expect(() => withIssuer.verify(jwt(validClaims({ iss: 'https://evil.example' })))).toThrow(InvalidTokenError);
      });

      it('rejects a token with no iss', () => {
        expect(() => withIssuer.verify(jwt(validClaims()))).toThrow(InvalidTokenError);
      });
    });

    describe('when JWT_AUDIENCE is configured', () => {
      const withAudience = rulesFor({ JWT_AUDIENCE: 'herald' });

      it('accepts the configured aud, alone or among others', () => {
        expect(withAudience.verify(jwt(validClaims({ aud: 'herald' }))).sub).toBe('alice');
        expect(withAudience.verify(jwt(validClaims({ aud: ['billing', 'herald'] }))).sub).toBe('alice');
      });

      it('rejects another aud', () => {
        expect(() => withAudience.verify(jwt(validClaims({ aud: 'billing' })))).toThrow(InvalidTokenError);
      });

      it('rejects a token with no aud', () => {
        expect(() => withAudience.verify(jwt(validClaims()))).toThrow(InvalidTokenError);
      });
    });
  });

  describe('sub length (properties)', () => {
    // Any Unicode code point, lone surrogates included (fast-check's 'binary' unit costs a second to warm up).
    const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));
    // Any code point a user id may hold: no surrogate, no C0/C1 control (src/common/user-id.ts; refusals in token-sub.spec.ts).
    const idCodePoint = anyCodePoint.filter((unit) => !/[\p{Cc}\p{Cs}]/u.test(unit));

    it('round-trips any sub of 1-128 characters', () => {
      // Length is in UTF-16 code units: 64 code points of any plane, or 128 ASCII characters, both fit.
      const subject = fc.oneof(
        fc.string({ unit: idCodePoint, minLength: 1, maxLength: SUBJECT_MAX_LENGTH / 2 }),
        fc.string({ minLength: 1, maxLength: SUBJECT_MAX_LENGTH }),
      );
      fc.assert(
        fc.property(subject, (sub) => {
          expect(rules.verify(jwt(validClaims({ sub }))).sub).toBe(sub);
        }),
      );
    });

    it('rejects any sub longer than 128 characters', () => {
      fc.assert(
        fc.property(fc.string({ unit: anyCodePoint, minLength: SUBJECT_MAX_LENGTH + 1, maxLength: 400 }), (sub) => {
          expect(() => rules.verify(jwt(validClaims({ sub })))).toThrow(InvalidTokenError);
        }),
      );
    });
  });
});

describe('signAccessToken', () => {
  it('mints a token the rule book accepts, with issuer and audience configured', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'herald' });
    const before = now();
    const principal = new TokenRules(config).verify(signAccessToken(config, { sub: 'alice', roles: ['service'], ttlSeconds: 120 }));
    expect(principal.sub).toBe('alice');
    expect(principal.roles).toEqual(['service']);
    expect(principal.expiresAt).toBeGreaterThanOrEqual(before + 120);
    expect(principal.expiresAt).toBeLessThanOrEqual(now() + 120);
  });

  it('mints a token that a rule book with another secret rejects', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    const token = signAccessToken(config, { sub: 'alice' });
    expect(() => new TokenRules(loadConfig({ JWT_SECRET: OTHER_SECRET })).verify(token)).toThrow(InvalidTokenError);
  });

  it('mints a token that a rule book expecting another audience rejects', () => {
    const token = signAccessToken(loadConfig({ JWT_SECRET: SECRET, JWT_AUDIENCE: 'herald' }), { sub: 'alice' });
    expect(() => rulesFor({ JWT_AUDIENCE: 'billing' }).verify(token)).toThrow(InvalidTokenError);
  });

  it('defaults to a one-hour lifetime', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    const before = now();
    const { expiresAt } = new TokenRules(config).verify(signAccessToken(config, { sub: 'alice' }));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(expiresAt).toBeLessThanOrEqual(now() + 3600);
  });
});
