import { sign, SignOptions } from 'jsonwebtoken';
import { TEST_JWT_SECRET } from './test-env';

export interface TokenSpec {
  sub?: unknown;
  roles?: unknown;
  /**
   * Lifetime in seconds, at least: `exp` has whole seconds, so it is rounded
   * up (rounding down would leave a 2 s token as little as 1 s). Negative for
   * an expired token. Omit `exp` with `noExp`.
   */
  ttl?: number;
  noExp?: boolean;
  secret?: string;
  algorithm?: SignOptions['algorithm'];
  issuer?: string;
  audience?: string;
}

/** Builds an access token, valid unless the spec says otherwise. */
export function token(spec: TokenSpec = {}): string {
  const claims: Record<string, unknown> = {};
  if (spec.sub !== undefined) claims.sub = spec.sub;
  if (spec.roles !== undefined) claims.roles = spec.roles;
  if (!spec.noExp) claims.exp = Math.ceil((Date.now() + (spec.ttl ?? 3600) * 1000) / 1000);
  return sign(claims, spec.secret ?? TEST_JWT_SECRET, {
    algorithm: spec.algorithm ?? 'HS256',
    ...(spec.issuer ? { issuer: spec.issuer } : {}),
    ...(spec.audience ? { audience: spec.audience } : {}),
    noTimestamp: false,
  });
}

/** A token with `alg: none` and no signature (RFC 7519 6.1 unsecured JWT). */
export function unsignedToken(sub: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

/** A user token for `sub`. */
export const userToken = (sub: string, ttl?: number): string => token({ sub, ttl });
/** A token with the `service` role. */
export const serviceToken = (sub = 'test-service'): string => token({ sub, roles: ['service'] });
/** A token with the `admin` role. */
export const adminToken = (sub = 'test-admin'): string => token({ sub, roles: ['admin'] });
