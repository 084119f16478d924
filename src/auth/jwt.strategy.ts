import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Principal } from './principal';
import { InvalidTokenError, TokenRules } from './token-rules';

/**
 * passport-jwt with the shared `TokenRules`: the same pinned algorithm,
 * issuer and audience, then the same claim checks. Tokens come only from
 * `Authorization: Bearer` (RFC 6750 2.1) on REST.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly rules: TokenRules) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt hands the key to jsonwebtoken.verify, which takes a KeyObject; its types only list string | Buffer.
      secretOrKey: rules.key as unknown as Buffer,
      algorithms: rules.verifyOptions.algorithms,
      issuer: rules.verifyOptions.issuer as string | undefined,
      audience: rules.verifyOptions.audience as string | undefined,
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Principal | false {
    try {
      return this.rules.principalFromClaims(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) return false;
      throw error;
    }
  }
}
