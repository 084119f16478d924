import { sign } from 'jsonwebtoken';
import { HeraldConfig } from '../config/herald.config';
import { TOKEN_ALGORITHM } from './token-rules';

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
 */
export function signAccessToken(config: HeraldConfig, request: TokenRequest): string {
  const claims: Record<string, unknown> = { sub: request.sub };
  if (request.roles && request.roles.length > 0) claims.roles = [...request.roles];
  return sign(claims, config.auth.jwtSecret, {
    algorithm: TOKEN_ALGORITHM,
    expiresIn: request.ttlSeconds ?? 3600,
    ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience ? { audience: config.auth.audience } : {}),
  });
}
