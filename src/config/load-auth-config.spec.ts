import { generateKeyPairSync } from 'node:crypto';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from './load-config';
import { configErrorFor } from '../../test/support/config-error-for';

const SECRET = 'a-test-secret-that-is-at-least-32-chars-long';
const OLD_SECRET = 'the-previous-secret-also-32-characters-long';
const JWKS_URL = 'https://idp.example.com/realms/acme/protocol/openid-connect/certs';

const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): string => key.export({ type: 'spki', format: 'pem' }).toString();
const rsaPublicKey = spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);

describe('loadConfig: identity', () => {
  it('defaults to the roles claim, 5 s of clock tolerance, and no identity provider', () => {
    const auth = loadConfig({ JWT_SECRET: SECRET }).auth;
    expect(auth).toMatchObject({ rolesClaim: 'roles', clockToleranceSeconds: 5, previousSecrets: [], jwksUrl: null, publicKey: null });
  });

  describe('with only JWT_JWKS_URL', () => {
    const auth = loadConfig({ JWT_JWKS_URL: JWKS_URL }).auth;

    it('has no secret at all: the development key is never used', () => {
      expect(auth.jwtSecret).toBeNull();
      expect(auth.usingDevelopmentSecret).toBe(false);
      expect(auth.jwksUrl?.href).toBe(JWKS_URL);
    });

    it('turns POST /auth/dev-token off outside production', () => {
      expect(auth.devTokens).toBe(false);
    });

    it('refuses AUTH_DEV_TOKENS=true, since there is no key to sign dev tokens with', () => {
      expect(configErrorFor({ JWT_JWKS_URL: JWKS_URL, AUTH_DEV_TOKENS: 'true' }).message).toContain('AUTH_DEV_TOKENS');
    });

    it('satisfies NODE_ENV=production without JWT_SECRET', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: JWKS_URL }).auth.jwtSecret).toBeNull();
    });
  });

  it('keeps JWT_SECRET and dev tokens beside a JWK Set', () => {
    const auth = loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_SECRET: SECRET }).auth;
    expect(auth.jwtSecret).toBe(SECRET);
    expect(auth.devTokens).toBe(true);
  });

  it('still uses the development key when nothing is configured', () => {
    expect(loadConfig({}).auth).toMatchObject({ jwtSecret: DEVELOPMENT_JWT_SECRET, usingDevelopmentSecret: true, devTokens: true });
  });

  it('refuses JWT_JWKS_URL and JWT_PUBLIC_KEY together', () => {
    const message = configErrorFor({ JWT_JWKS_URL: JWKS_URL, JWT_PUBLIC_KEY: rsaPublicKey }).message;
    expect(message).toContain('JWT_JWKS_URL');
    expect(message).toContain('JWT_PUBLIC_KEY');
  });

  describe('JWT_JWKS_URL', () => {
    it.each(['not a url', 'ftp://idp.example.com/jwks', 'idp.example.com/jwks'])('throws a ConfigError naming JWT_JWKS_URL for %j', (value) => {
      expect(configErrorFor({ JWT_JWKS_URL: value }).message).toContain('JWT_JWKS_URL');
    });

    it('refuses plain http to another host in production', () => {
      expect(configErrorFor({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://idp.example.com/jwks' }).message).toContain('JWT_JWKS_URL must use https');
    });

    it('allows plain http to a loopback host in production, and to any host outside it', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).auth.jwksUrl?.port).toBe('8080');
      expect(loadConfig({ JWT_JWKS_URL: 'http://idp.internal:8080/jwks' }).auth.jwksUrl?.hostname).toBe('idp.internal');
    });
  });

  describe('JWT_PUBLIC_KEY', () => {
    it.each([
      ['RSA 2048', rsaPublicKey, 'rsa'],
      ['EC P-256', spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), 'ec'],
      ['Ed25519', spki(generateKeyPairSync('ed25519').publicKey), 'ed25519'],
    ])('accepts an %s public key', (_, pem, type) => {
      const auth = loadConfig({ JWT_PUBLIC_KEY: pem }).auth;
      expect(auth.publicKey?.asymmetricKeyType).toBe(type);
      expect(auth.jwtSecret).toBeNull();
    });

    it('accepts the PEM on one line with \\n escapes, as .env files carry it', () => {
      expect(loadConfig({ JWT_PUBLIC_KEY: rsaPublicKey.trim().replace(/\n/g, '\\n') }).auth.publicKey?.asymmetricKeyType).toBe('rsa');
    });

    it.each([
      ['a private key', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      ['an RSA key of 1024 bits', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)],
      ['an RSA-PSS-only key', spki(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey)],
      ['an EC P-384 key', spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)],
      ['not a key at all', 'just-some-text-0123456789abcdef'],
      ['a truncated PEM', rsaPublicKey.slice(0, 120)],
    ])('throws a ConfigError naming JWT_PUBLIC_KEY for %s', (_, value) => {
      expect(configErrorFor({ JWT_PUBLIC_KEY: value }).message).toContain('JWT_PUBLIC_KEY');
    });
  });

  describe('JWT_PREVIOUS_SECRETS', () => {
    it('splits a comma-separated list and trims each secret', () => {
      expect(loadConfig({ JWT_SECRET: SECRET, JWT_PREVIOUS_SECRETS: ` ${OLD_SECRET} ,${SECRET}-older` }).auth.previousSecrets).toEqual([
        OLD_SECRET,
        `${SECRET}-older`,
      ]);
    });

    it('refuses a secret shorter than 32 characters without echoing any of them', () => {
      const message = configErrorFor({ JWT_SECRET: SECRET, JWT_PREVIOUS_SECRETS: `${OLD_SECRET},Sup3rShort` }).message;
      expect(message).toContain('JWT_PREVIOUS_SECRETS');
      expect(message).not.toContain('Sup3r');
      expect(message).not.toContain(OLD_SECRET);
    });

    it('needs JWT_SECRET', () => {
      expect(configErrorFor({ JWT_PREVIOUS_SECRETS: OLD_SECRET }).message).toContain('JWT_PREVIOUS_SECRETS needs JWT_SECRET');
    });
  });

  describe('JWT_ROLES_CLAIM', () => {
    it.each(['realm_access.roles', 'https://herald.example.com/roles', 'groups'])('accepts %j', (path) => {
      expect(loadConfig({ JWT_ROLES_CLAIM: path }).auth.rolesClaim).toBe(path);
    });

    it.each(['realm_access..roles', '.roles', 'roles.', 'has space', 'x'.repeat(257)])('throws a ConfigError naming JWT_ROLES_CLAIM for %j', (path) => {
      expect(configErrorFor({ JWT_ROLES_CLAIM: path }).message).toContain('JWT_ROLES_CLAIM');
    });
  });

  describe('JWT_CLOCK_TOLERANCE_S', () => {
    it('reads whole seconds, 0 included', () => {
      expect(loadConfig({ JWT_CLOCK_TOLERANCE_S: '0' }).auth.clockToleranceSeconds).toBe(0);
      expect(loadConfig({ JWT_CLOCK_TOLERANCE_S: '300' }).auth.clockToleranceSeconds).toBe(300);
    });

    it.each(['-1', '301', '1.5', 'five'])('throws a ConfigError naming JWT_CLOCK_TOLERANCE_S for %j', (value) => {
      expect(configErrorFor({ JWT_CLOCK_TOLERANCE_S: value }).message).toContain('JWT_CLOCK_TOLERANCE_S');
    });
  });
});
