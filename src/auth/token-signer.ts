import { sign } from 'jsonwebtoken';
import { HeraldConfig } from '../config/herald.config';
import { SECRET_ALGORITHM } from './token-keys';

/** What a minted token says. */
export interface TokenRequest {
  /** User id, 1-128 characters. */
  sub: string;
  /** Role names, e.g. `admin`, `service`. */
  roles?: readonly string[];
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
}

/**
 * Mints HS256 access tokens with the configured secret, issuer and
 * audience, for `POST /auth/dev-token` and `npm run token`.
 * @throws Error when there is no `JWT_SECRET` (only an identity provider's keys).
 */
export function signAccessToken(config: HeraldConfig, request: TokenRequest): string {
  if (config.auth.jwtSecret === null) throw new Error('no JWT_SECRET to sign with: tokens come from the identity provider (JWT_JWKS_URL / JWT_PUBLIC_KEY)');
  const claims: Record<string, unknown> = { sub: request.sub };
  if (request.roles && request.roles.length > 0) claims.roles = [...request.roles];
  return sign(claims, config.auth.jwtSecret, {
    algorithm: SECRET_ALGORITHM,
    expiresIn: request.ttlSeconds ?? 3600,
    ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience ? { audience: config.auth.audience } : {}),
  });
}
