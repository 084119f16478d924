import fc from 'fast-check';
import { loadConfig } from '../config/load-config';
import { nowSeconds as now, signJws, unsecuredJws } from '../../test/support/jws';
import { InvalidTokenError, SUBJECT_MAX_LENGTH, TOKEN_MAX_LENGTH, TokenRules } from './token-rules';
import { signAccessToken } from './token-signer';

const SECRET = 'token-rules-spec-secret-0123456789abcdef';
const OTHER_SECRET = 'a-different-secret-0123456789abcdefghij';

/** An HS256 (or HS384/HS512) token signed with `SECRET` unless told otherwise. */
function jwt(claims: unknown, options: { alg?: 'HS256' | 'HS384' | 'HS512'; secret?: string; header?: Record<string, unknown> } = {}): string {
  return signJws(options.alg ?? 'HS256', options.secret ?? SECRET, claims, options.header);
}

const validClaims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'alice',
  exp: now() + 3600,
  ...overrides,
});

function rulesFor(env: NodeJS.ProcessEnv = {}): TokenRules {
  return new TokenRules(loadConfig({ JWT_SECRET: SECRET, ...env }));
}

/** Resolves when `token` is refused with an InvalidTokenError; fails the test otherwise. */
async function expectRefused(rules: TokenRules, token: string): Promise<void> {
  await expect(rules.verify(token)).rejects.toThrow(InvalidTokenError);
}

describe('TokenRules', () => {
  const rules = rulesFor();

  it('accepts a valid HS256 token and returns its sub, roles, exp and iat', async () => {
    const exp = now() + 600;
    const iat = now();
    await expect(rules.verify(jwt({ sub: 'alice', roles: ['admin', 'service'], exp, iat }))).resolves.toEqual({
      sub: 'alice',
      roles: ['admin', 'service'],
      expiresAt: exp,
      issuedAt: iat,
    });
  });

  it('returns no roles and no iat when the token has neither', async () => {
    await expect(rules.verify(jwt(validClaims()))).resolves.toMatchObject({ roles: [], issuedAt: null });
  });

  it('accepts a sub of exactly 128 characters', async () => {
    expect((await rules.verify(jwt(validClaims({ sub: 'u'.repeat(SUBJECT_MAX_LENGTH) })))).sub).toBe('u'.repeat(128));
  });

  it.each<[string, () => string]>([
    ['has no exp', () => jwt({ sub: 'alice' })],
    ['has expired', () => jwt(validClaims({ exp: now() - 60 }))],
    ['has a non-numeric exp', () => jwt(validClaims({ exp: String(now() + 3600) }))],
    ['is not yet valid (nbf in the future)', () => jwt(validClaims({ nbf: now() + 600 }))],
    ['was issued in the future (iat)', () => jwt(validClaims({ iat: now() + 600 }))],
    ['is unsecured (alg none)', () => unsecuredJws(validClaims())],
    ['is signed with HS384 and the same secret', () => jwt(validClaims(), { alg: 'HS384' })],
    ['is signed with HS512 and the same secret', () => jwt(validClaims(), { alg: 'HS512' })],
    ['is signed with another secret', () => jwt(validClaims(), { secret: OTHER_SECRET })],
    [
      'has a tampered payload',
      () => {
        const [header, , signature] = jwt(validClaims()).split('.');
        return `${header}.${Buffer.from(JSON.stringify(validClaims({ sub: 'mallory' }))).toString('base64url')}.${signature}`;
      },
    ],
    ['has no sub', () => jwt({ exp: now() + 3600 })],
    ['has an empty sub', () => jwt(validClaims({ sub: '' }))],
    ['has a sub of 129 characters', () => jwt(validClaims({ sub: 'u'.repeat(SUBJECT_MAX_LENGTH + 1) }))],
    ['has a numeric sub', () => jwt(validClaims({ sub: 42 }))],
    ['has roles that are not an array', () => jwt(validClaims({ roles: 'admin' }))],
    ['has roles with a non-string entry', () => jwt(validClaims({ roles: ['admin', 7] }))],
    ['is longer than the bound', () => jwt(validClaims({ padding: 'x'.repeat(TOKEN_MAX_LENGTH) }))],
    ['is not a JWT at all', () => 'not-a-jwt'],
    ['is empty', () => ''],
  ])('rejects a token that %s', async (_, token) => {
    await expectRefused(rules, token());
  });

  it.each([
    ['null', null],
    ['a string', 'alice'],
    ['an array', [validClaims()]],
    ['a number', 42],
  ])('rejects a correctly signed token whose payload is JSON %s', async (_, payload) => {
    await expectRefused(rules, jwt(payload));
  });

  describe('crit header (RFC 7515 section 4.1.11)', () => {
    it('accepts the same token without crit, so the header is what is refused', async () => {
      await expect(rules.verify(jwt(validClaims(), { header: { 'x-ext': true } }))).resolves.toMatchObject({ sub: 'alice' });
    });

    it.each<[string, Record<string, unknown>]>([
      ['an extension it does not understand', { crit: ['x-ext'], 'x-ext': true }],
      ['b64 false (an unencoded payload, never a JWT)', { crit: ['b64'], b64: false }],
      ['a name that is not in the header', { crit: ['x-missing'] }],
      ['an empty list', { crit: [] }],
      ['a value that is not a list', { crit: 'x-ext', 'x-ext': true }],
    ])('rejects a correctly signed token whose crit names %s', async (_, header) => {
      await expectRefused(rules, jwt(validClaims(), { header }));
    });

    it('rejects every correctly signed token that marks any extension critical (property)', async () => {
      const extension = fc.string({ minLength: 1, maxLength: 20 }).filter((name) => name !== 'b64');
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(extension, { minLength: 1, maxLength: 4 }), fc.jsonValue(), async (names, value) => {
          const header: Record<string, unknown> = { crit: names };
          for (const name of names) if (!(name in header) && name !== 'alg') header[name] = value;
          await expectRefused(rules, jwt(validClaims(), { header }));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('issuer and audience', () => {
    it('ignores iss and aud when neither is configured', async () => {
      expect((await rules.verify(jwt(validClaims({ iss: 'anyone', aud: 'anything' })))).sub).toBe('alice');
    });

    describe('when JWT_ISSUER is configured', () => {
      const withIssuer = rulesFor({ JWT_ISSUER: 'https://issuer.example' });

      it('accepts the configured iss', async () => {
        expect((await withIssuer.verify(jwt(validClaims({ iss: 'https://issuer.example' })))).sub).toBe('alice');
      });

      it('rejects another iss', async () => {
        await expectRefused(withIssuer, jwt(validClaims({ iss: 'https://evil.example' })));
      });

      it('rejects a token with no iss', async () => {
        await expectRefused(withIssuer, jwt(validClaims()));
      });
    });

    describe('when JWT_AUDIENCE is configured', () => {
      const withAudience = rulesFor({ JWT_AUDIENCE: 'herald' });

      it('accepts the configured aud, alone or among others', async () => {
        expect((await withAudience.verify(jwt(validClaims({ aud: 'herald' })))).sub).toBe('alice');
        expect((await withAudience.verify(jwt(validClaims({ aud: ['billing', 'herald'] })))).sub).toBe('alice');
      });

      it('rejects another aud', async () => {
        await expectRefused(withAudience, jwt(validClaims({ aud: 'billing' })));
      });

      it('rejects a token with no aud', async () => {
        await expectRefused(withAudience, jwt(validClaims()));
      });
    });
  });

  describe('JWT_PREVIOUS_SECRETS', () => {
    const PREVIOUS = 'the-previous-secret-0123456789abcdefghij';
    const rotating = rulesFor({ JWT_PREVIOUS_SECRETS: `${PREVIOUS},${OTHER_SECRET}` });

    it('accepts tokens signed with the current secret or any previous one', async () => {
      for (const secret of [SECRET, PREVIOUS, OTHER_SECRET]) {
        await expect(rotating.verify(jwt(validClaims(), { secret }))).resolves.toMatchObject({ sub: 'alice' });
      }
    });

    it('rejects a token signed with a secret on neither list', async () => {
      await expectRefused(rotating, jwt(validClaims(), { secret: 'never-configured-secret-0123456789abcdef' }));
    });

    it('still applies every claim rule to a token signed with a previous secret', async () => {
      await expectRefused(rotating, jwt(validClaims({ exp: now() - 60 }), { secret: PREVIOUS }));
      await expectRefused(rotating, jwt(validClaims({ sub: '' }), { secret: PREVIOUS }));
    });

    it('is not accepted without the list: a previous secret is not the current one', async () => {
      await expectRefused(rules, jwt(validClaims(), { secret: PREVIOUS }));
    });
  });

  describe('an HS256 token presented again', () => {
    /** Fakes only the clock: jose's promises and WebCrypto keep running. */
    const fakeClock = (at: number) => {
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
      });
      jest.setSystemTime(at);
    };
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    it('has its signature checked once, however often it is presented', async () => {
      const fresh = rulesFor();
      const token = jwt(validClaims({ sub: 'repeat', roles: ['service'] }));
      const hmac = jest.spyOn(crypto.subtle, 'verify');
      for (let i = 0; i < 5; i++) await expect(fresh.verify(token)).resolves.toMatchObject({ sub: 'repeat', roles: ['service'] });
      expect(hmac).toHaveBeenCalledTimes(1);
      // Any other text is another token: a changed signature is checked, and refused.
      await expectRefused(fresh, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
      expect(hmac).toHaveBeenCalledTimes(2);
    });

    it('is refused once it expires, leeway included, though it was accepted before', async () => {
      const strict = rulesFor({ JWT_CLOCK_TOLERANCE_S: '5' });
      const start = Date.now();
      const token = jwt(validClaims({ exp: Math.floor(start / 1000) + 60 }));
      fakeClock(start);
      await expect(strict.verify(token)).resolves.toMatchObject({ sub: 'alice' });
      fakeClock(start + 63_000);
      await expect(strict.verify(token)).resolves.toMatchObject({ sub: 'alice' });
      fakeClock(start + 66_000);
      await expect(strict.verify(token)).rejects.toThrow(/exp/);
    });
  });

  describe('JWT_CLOCK_TOLERANCE_S', () => {
    it('accepts, by default, a token that expired 2 s ago or becomes valid in 2 s (5 s of leeway)', async () => {
      await expect(rules.verify(jwt(validClaims({ exp: now() - 2 })))).resolves.toMatchObject({ sub: 'alice' });
      await expect(rules.verify(jwt(validClaims({ nbf: now() + 2 })))).resolves.toMatchObject({ sub: 'alice' });
      await expect(rules.verify(jwt(validClaims({ iat: now() + 2 })))).resolves.toMatchObject({ sub: 'alice' });
    });

    it('rejects, by default, a token that expired 10 s ago or becomes valid in 10 s', async () => {
      await expectRefused(rules, jwt(validClaims({ exp: now() - 10 })));
      await expectRefused(rules, jwt(validClaims({ nbf: now() + 10 })));
      await expectRefused(rules, jwt(validClaims({ iat: now() + 10 })));
    });

    it('allows no leeway with JWT_CLOCK_TOLERANCE_S=0', async () => {
      const strict = rulesFor({ JWT_CLOCK_TOLERANCE_S: '0' });
      await expectRefused(strict, jwt(validClaims({ exp: now() - 1 })));
      await expectRefused(strict, jwt(validClaims({ nbf: now() + 2 })));
    });

    it('widens the leeway with a larger JWT_CLOCK_TOLERANCE_S', async () => {
      const lenient = rulesFor({ JWT_CLOCK_TOLERANCE_S: '120' });
      await expect(lenient.verify(jwt(validClaims({ exp: now() - 60, nbf: now() + 60 })))).resolves.toMatchObject({ sub: 'alice' });
    });
  });

  describe('JWT_ROLES_CLAIM', () => {
    it('reads roles from a dotted path (Keycloak: realm_access.roles)', async () => {
      const keycloak = rulesFor({ JWT_ROLES_CLAIM: 'realm_access.roles' });
      const token = jwt(validClaims({ realm_access: { roles: ['service', 'offline_access'] }, roles: ['admin'] }));
      await expect(keycloak.verify(token)).resolves.toMatchObject({ roles: ['service', 'offline_access'] });
    });

    it('reads a namespaced claim whose name has dots in it (Auth0)', async () => {
      const auth0 = rulesFor({ JWT_ROLES_CLAIM: 'https://herald.example.com/roles' });
      await expect(auth0.verify(jwt(validClaims({ 'https://herald.example.com/roles': ['admin'] })))).resolves.toMatchObject({ roles: ['admin'] });
    });

    it('gives no roles when the path is absent, whatever the roles claim says', async () => {
      const keycloak = rulesFor({ JWT_ROLES_CLAIM: 'realm_access.roles' });
      await expect(keycloak.verify(jwt(validClaims({ roles: ['admin'] })))).resolves.toMatchObject({ roles: [] });
      await expect(keycloak.verify(jwt(validClaims({ realm_access: 'admin' })))).resolves.toMatchObject({ roles: [] });
    });

    it('rejects a token whose value at the path is not an array of strings', async () => {
      const keycloak = rulesFor({ JWT_ROLES_CLAIM: 'realm_access.roles' });
      await expectRefused(keycloak, jwt(validClaims({ realm_access: { roles: 'admin' } })));
    });
  });

  describe('sub length (properties)', () => {
    // Any Unicode code point, lone surrogates included (fast-check's 'binary' unit costs a second to warm up).
    const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));
    // Any code point a user id may hold: no surrogate, no C0/C1 control (src/common/user-id.ts; refusals in token-sub.spec.ts).
    const idCodePoint = anyCodePoint.filter((unit) => !/[\p{Cc}\p{Cs}]/u.test(unit));

    it('round-trips any sub of 1-128 characters', async () => {
      // Length is in UTF-16 code units: 64 code points of any plane, or 128 ASCII characters, both fit.
      const subject = fc.oneof(
        fc.string({ unit: idCodePoint, minLength: 1, maxLength: SUBJECT_MAX_LENGTH / 2 }),
        fc.string({ minLength: 1, maxLength: SUBJECT_MAX_LENGTH }),
      );
      await fc.assert(
        fc.asyncProperty(subject, async (sub) => {
          expect((await rules.verify(jwt(validClaims({ sub })))).sub).toBe(sub);
        }),
      );
    });

    it('rejects any sub longer than 128 characters', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: anyCodePoint, minLength: SUBJECT_MAX_LENGTH + 1, maxLength: 400 }), async (sub) => {
          await expectRefused(rules, jwt(validClaims({ sub })));
        }),
      );
    });
  });
});

describe('signAccessToken', () => {
  it('mints a token the rule book accepts, with issuer and audience configured', async () => {
    const config = loadConfig({ JWT_SECRET: SECRET, JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'herald' });
    const before = now();
    const principal = await new TokenRules(config).verify(signAccessToken(config, { sub: 'alice', roles: ['service'], ttlSeconds: 120 }));
    expect(principal.sub).toBe('alice');
    expect(principal.roles).toEqual(['service']);
    expect(principal.expiresAt).toBeGreaterThanOrEqual(before + 120);
    expect(principal.expiresAt).toBeLessThanOrEqual(now() + 120);
  });

  it('mints a token that a rule book with another secret rejects', async () => {
    const token = signAccessToken(loadConfig({ JWT_SECRET: SECRET }), { sub: 'alice' });
    await expectRefused(new TokenRules(loadConfig({ JWT_SECRET: OTHER_SECRET })), token);
  });

  it('mints a token that a rule book expecting another audience rejects', async () => {
    const token = signAccessToken(loadConfig({ JWT_SECRET: SECRET, JWT_AUDIENCE: 'herald' }), { sub: 'alice' });
    await expectRefused(rulesFor({ JWT_AUDIENCE: 'billing' }), token);
  });

  it('defaults to a one-hour lifetime', async () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    const before = now();
    const { expiresAt } = await new TokenRules(config).verify(signAccessToken(config, { sub: 'alice' }));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(expiresAt).toBeLessThanOrEqual(now() + 3600);
  });

  it('refuses to mint without JWT_SECRET, when only an identity provider signs', () => {
    expect(() => signAccessToken(loadConfig({ JWT_JWKS_URL: 'https://idp.example.com/jwks' }), { sub: 'alice' })).toThrow(/JWT_SECRET/);
  });
});
