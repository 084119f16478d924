import { createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtPayload, VerifyOptions, verify } from 'jsonwebtoken';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { isUserId, USER_ID_RULE } from '../common/user-id';
import { Principal } from './principal';

/** The only algorithm Herald accepts (RFC 7518 3.2); pinned so `alg: none` or RS/HS confusion cannot pass. */
export const TOKEN_ALGORITHM = 'HS256';
/** Bounds of the `sub` claim. */
export const SUBJECT_MAX_LENGTH = 128;

/** Why a token was refused. The reason is logged, never sent to the client. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * The one rule book for access tokens (RFC 7519 JWTs, RFC 6750 bearer use),
 * shared by the REST passport strategy and the WebSocket upgrade:
 * HS256 only, signature checked with `JWT_SECRET`, `exp` required and in the
 * future, `iss`/`aud` checked when configured, `sub` a string of 1-128
 * characters, `roles` (when present) an array of strings.
 */
@Injectable()
export class TokenRules {
  /** Options for `jsonwebtoken.verify`, also handed to passport-jwt. */
  readonly verifyOptions: VerifyOptions;
  /**
   * `JWT_SECRET` as a secret KeyObject, built once. Given the string,
   * jsonwebtoken first tries to parse it as a public key on every call
   * (about a quarter of a POST's CPU in the targeted benchmark).
   */
  readonly key: KeyObject;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    this.key = createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
    this.verifyOptions = {
      algorithms: [TOKEN_ALGORITHM],
      ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
      ...(config.auth.audience ? { audience: config.auth.audience } : {}),
    };
  }

  /**
   * Verifies a compact JWT and returns its principal.
   * @throws InvalidTokenError for a malformed, unsigned, badly signed,
   *   expired or exp-less token, or one whose claims break the rules.
   */
  verify(token: string): Principal {
    let payload: string | JwtPayload;
    try {
      payload = verify(token, this.key, this.verifyOptions);
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    return this.principalFromClaims(payload);
  }

  /**
   * Applies the claim rules to an already signature-checked payload.
   * @throws InvalidTokenError
   */
  principalFromClaims(payload: unknown): Principal {
    if (typeof payload !== 'object' || payload === null) throw new InvalidTokenError('payload is not a JSON object');
    const claims = payload as JwtPayload;
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw new InvalidTokenError('exp claim is required');
    if (claims.exp * 1000 <= Date.now()) throw new InvalidTokenError('token expired');
    if (typeof claims.sub !== 'string' || claims.sub.length < 1 || claims.sub.length > SUBJECT_MAX_LENGTH) {
      throw new InvalidTokenError(`sub must be a string of 1-${SUBJECT_MAX_LENGTH} characters`);
    }
    if (!isUserId(claims.sub)) throw new InvalidTokenError(`sub must be ${USER_ID_RULE}`);
    const roles: unknown = (claims as { roles?: unknown }).roles;
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
      throw new InvalidTokenError('roles must be an array of strings');
    }
    return { sub: claims.sub, roles: (roles as string[] | undefined) ?? [], expiresAt: claims.exp };
  }
}
