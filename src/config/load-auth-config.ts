import { createPublicKey, KeyObject } from 'node:crypto';
import { Environment } from './environment';
import { AuthConfig } from './herald.config';
import { ConfigError } from './config.errors';

/**
 * The development signing key used when no key is configured at all.
 * Public by design (it is in the source), so it is refused when
 * `NODE_ENV=production`.
 */
export const DEVELOPMENT_JWT_SECRET = 'herald-development-key-never-use-in-production';

/** Defaults of the identity variables, also listed in `.env.example`. */
export const AUTH_DEFAULTS = { JWT_ROLES_CLAIM: 'roles', JWT_CLOCK_TOLERANCE_S: 5 } as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The identity part of the config, from already rule-checked variables:
 * which keys verify tokens and whether dev tokens can be minted.
 * @throws ConfigError for combinations that cannot work or are unsafe.
 */
export function loadAuthConfig(vars: Environment, production: boolean): AuthConfig {
  if (vars.JWT_JWKS_URL && vars.JWT_PUBLIC_KEY) {
    throw new ConfigError('set JWT_JWKS_URL or JWT_PUBLIC_KEY, not both (a JWK Set can hold any number of public keys)');
  }
  if (vars.JWT_PREVIOUS_SECRETS && !vars.JWT_SECRET) {
    throw new ConfigError('JWT_PREVIOUS_SECRETS needs JWT_SECRET: previous secrets are only accepted beside the current one');
  }
  const jwksUrl = vars.JWT_JWKS_URL ? new URL(vars.JWT_JWKS_URL) : null;
  if (production && jwksUrl && jwksUrl.protocol !== 'https:' && !LOOPBACK_HOSTS.has(jwksUrl.hostname)) {
    // Whoever can answer a plain-HTTP fetch of the key set could sign any token.
    throw new ConfigError('JWT_JWKS_URL must use https when NODE_ENV=production (plain http only to a loopback host)');
  }
  const publicKey = vars.JWT_PUBLIC_KEY ? parsePublicKey(vars.JWT_PUBLIC_KEY) : null;
  const identityProvider = jwksUrl !== null || publicKey !== null;
  if (production && !vars.JWT_SECRET && !identityProvider) {
    throw new ConfigError('JWT_SECRET, JWT_JWKS_URL or JWT_PUBLIC_KEY is required when NODE_ENV=production (the development key is public)');
  }
  // With an identity provider's keys alone there is nothing to sign dev tokens with, and the development key must not stand in.
  const jwtSecret = vars.JWT_SECRET ?? (identityProvider ? null : DEVELOPMENT_JWT_SECRET);
  if (jwtSecret === null && vars.AUTH_DEV_TOKENS === 'true') {
    throw new ConfigError('AUTH_DEV_TOKENS=true needs JWT_SECRET when JWT_JWKS_URL or JWT_PUBLIC_KEY is set: dev tokens are HS256-signed');
  }
  const devTokens = jwtSecret !== null && (vars.AUTH_DEV_TOKENS === undefined ? !production : vars.AUTH_DEV_TOKENS === 'true');
  return {
    jwtSecret,
    previousSecrets: vars.JWT_PREVIOUS_SECRETS ? vars.JWT_PREVIOUS_SECRETS.split(',').map((secret) => secret.trim()) : [],
    usingDevelopmentSecret: jwtSecret === DEVELOPMENT_JWT_SECRET && !vars.JWT_SECRET,
    jwksUrl,
    publicKey,
    rolesClaim: vars.JWT_ROLES_CLAIM ?? AUTH_DEFAULTS.JWT_ROLES_CLAIM,
    clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE_S ?? AUTH_DEFAULTS.JWT_CLOCK_TOLERANCE_S,
    issuer: vars.JWT_ISSUER ?? null,
    audience: vars.JWT_AUDIENCE ?? null,
    devTokens,
  };
}

/**
 * A PEM public key (SPKI) of a type a JWS
 * algorithm Herald accepts is bound to: RSA of 2048 bits or more (RS256,
 * PS256), EC P-256 (ES256), Ed25519 (EdDSA). Environment files often carry
 * the PEM on one line with `\n` escapes; those are unescaped.
 */
function parsePublicKey(value: string): KeyObject {
  const pem = value.replace(/\\n/g, '\n').trim();
  // createPublicKey would quietly derive the public half of a private key: a private key does not belong in Herald's config.
  if (/PRIVATE KEY-----/.test(pem)) throw new ConfigError('JWT_PUBLIC_KEY must be a public key; it holds a private key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY----- ...)');
  }
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = key;
  const supported =
    // An RSA-PSS-only key (type rsa-pss) is not one: jose does not import it; PS256 works with a plain RSA key.
    (type === 'rsa' && (details?.modulusLength ?? 0) >= 2048) || (type === 'ec' && details?.namedCurve === 'prime256v1') || type === 'ed25519';
  if (!supported) {
    throw new ConfigError(`JWT_PUBLIC_KEY must be an RSA (2048 bits or more), EC P-256 or Ed25519 public key; it is ${describe(key)}`);
  }
  return key;
}

function describe(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (details?.namedCurve) return `${key.asymmetricKeyType} ${details.namedCurve}`;
  if (details?.modulusLength) return `${key.asymmetricKeyType} of ${details.modulusLength} bits`;
  return String(key.asymmetricKeyType);
}
