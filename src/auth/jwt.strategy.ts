import { Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { bearerTokenOf } from './bearer-token';
import { Principal } from './principal';
import { InvalidTokenError, TokenRules } from './token-rules';

type JwtVerifier = (token: string, secretOrKey: unknown, options: unknown, done: (error: Error | null, payload?: unknown) => void) => void;

/**
 * passport-jwt verifies through its static `JwtVerifier` hook (jsonwebtoken
 * by default) with the `secretOrKey` its strategy was given. Herald's
 * strategy is given its `TokenRules`, and for those the hook runs the rule
 * book (jose) instead, so REST and the upgrade share one verifier; any
 * other passport-jwt strategy keeps jsonwebtoken.
 */
const hook = Strategy as unknown as { JwtVerifier: JwtVerifier };
const jsonwebtokenVerifier = hook.JwtVerifier;
const logger = new Logger('JwtStrategy');
hook.JwtVerifier = (token, secretOrKey, options, done) => {
  if (!(secretOrKey instanceof TokenRules)) return jsonwebtokenVerifier(token, secretOrKey, options, done);
  secretOrKey.verify(token).then(
    (principal) => done(null, principal),
    (error: unknown) => {
      if (!(error instanceof InvalidTokenError)) logger.error(`verifying a token failed: ${(error as Error).stack ?? String(error)}`);
      done(error as Error);
    },
  );
};

/**
 * passport-jwt on REST, fed by the shared `TokenRules`. Tokens come only
 * from `Authorization: Bearer` (RFC 6750 2.1), read by the same parser as
 * the upgrade's.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(rules: TokenRules) {
    super({
      jwtFromRequest: (request: FastifyRequest) => {
        const header = request.headers.authorization;
        return header === undefined ? null : bearerTokenOf(header);
      },
      // Passed through untouched to the `JwtVerifier` hook above; its types only list string | Buffer.
      secretOrKey: rules as unknown as string,
    });
  }

  /** The hook already returned the principal. */
  validate(principal: Principal): Principal {
    return principal;
  }
}
