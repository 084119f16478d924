import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { errors, JWTPayload, JWTVerifyOptions } from 'jose';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { isUserId, USER_ID_RULE } from '../common/user-id';
import { claimAt } from './claim-path';
import { Principal } from './principal';
import { TokenKeys } from './token-keys';

/** Bounds of the `sub` claim. */
export const SUBJECT_MAX_LENGTH = 128;
/** Longest compact token accepted, in characters, on every carrier; longer ones are refused unread. */
export const TOKEN_MAX_LENGTH = 8_192;

/** Why a token was refused. The reason is logged, never sent to the client. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * The one rule book for access tokens (RFC 7519 JWTs, RFC 6750 bearer use),
 * shared by the REST passport strategy and the WebSocket upgrade. jose
 * checks the compact JWS (RFC 7515, a `crit` it does not understand
 * refused), the signature with the key the algorithm is bound to (see
 * `TokenKeys`), `exp` (required), `nbf`, `iss` and `aud` when configured,
 * all with `JWT_CLOCK_TOLERANCE_S` of leeway. Then: `sub` a string of
 * 1-128 characters, `iat` not in the future, and the roles claim
 * (`JWT_ROLES_CLAIM`), when present, an array of strings.
 */
@Injectable()
export class TokenRules implements OnModuleInit {
  private readonly logger = new Logger('TokenRules');
  private readonly keys: TokenKeys;
  private readonly options: JWTVerifyOptions;
  private readonly rolesClaim: string;
  private readonly toleranceSeconds: number;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    const { auth } = config;
    this.keys = new TokenKeys(auth);
    this.rolesClaim = auth.rolesClaim;
    this.toleranceSeconds = auth.clockToleranceSeconds;
    this.options = {
      requiredClaims: ['exp'],
      clockTolerance: auth.clockToleranceSeconds,
      ...(auth.issuer ? { issuer: auth.issuer } : {}),
      ...(auth.audience ? { audience: auth.audience } : {}),
    };
  }

  onModuleInit(): void {
    void this.keys.warmUp();
  }

  /**
   * Verifies a compact JWT and returns its principal.
   * @throws InvalidTokenError for a malformed, unsigned, badly signed,
   *   expired, not yet valid or exp-less token, one whose key cannot be
   *   had, or one whose claims break the rules.
   */
  async verify(token: string): Promise<Principal> {
    if (token.length > TOKEN_MAX_LENGTH) throw new InvalidTokenError(`token longer than ${TOKEN_MAX_LENGTH} characters`);
    let payload: JWTPayload;
    try {
      payload = await this.keys.verify(token, this.options);
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(error.message);
      // jose's TypeErrors name a key it will not use (an RSA key under 2048 bits in the JWK Set): a provider problem, refused all the same.
      if (error instanceof TypeError) {
        this.logger.warn(`a token's key is unusable: ${error.message}`);
        throw new InvalidTokenError(error.message);
      }
      throw error;
    }
    return this.principalFromClaims(payload);
  }

  /**
   * Applies the claim rules to a payload whose signature and times jose checked.
   * @throws InvalidTokenError
   */
  principalFromClaims(claims: JWTPayload): Principal {
    if (typeof claims.exp !== 'number') throw new InvalidTokenError('exp claim is required');
    if (typeof claims.sub !== 'string' || claims.sub.length < 1 || claims.sub.length > SUBJECT_MAX_LENGTH) {
      throw new InvalidTokenError(`sub must be a string of 1-${SUBJECT_MAX_LENGTH} characters`);
    }
    if (!isUserId(claims.sub)) throw new InvalidTokenError(`sub must be ${USER_ID_RULE}`);
    if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + this.toleranceSeconds) {
      throw new InvalidTokenError('iat claim is in the future');
    }
    const roles = claimAt(claims, this.rolesClaim);
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
      throw new InvalidTokenError(`${this.rolesClaim} must be an array of strings`);
    }
    return {
      sub: claims.sub,
      roles: roles ?? [],
      expiresAt: claims.exp,
      issuedAt: typeof claims.iat === 'number' ? claims.iat : null,
    };
  }
}
