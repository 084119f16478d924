import { KeyObject, webcrypto } from 'node:crypto';
import { CryptoKey, decodeProtectedHeader, errors, JWTPayload, JWTVerifyGetKey, jwtVerify, JWTVerifyOptions } from 'jose';
import { AuthConfig } from '../config/herald.config';
import { JwksKeySource } from './jwks-key-source';

/** The algorithm of shared secrets (RFC 7518 3.2); never used with a public key. */
export const SECRET_ALGORITHM = 'HS256';
/** What a JWK Set may sign with (RFC 7518 3.3-3.5, RFC 8037); jose matches each to the key's `kty` and `crv`. */
export const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** The algorithms a configured public key is bound to, by key type (the types `loadAuthConfig` accepts). */
const PUBLIC_KEY_ALGORITHMS: Record<string, readonly string[]> = {
  rsa: ['RS256', 'PS256'],
  ec: ['ES256'],
  ed25519: ['EdDSA'],
};

/** How many HS256 tokens `TokenKeys` remembers as verified (about 1 KiB each); past it the oldest is forgotten. */
export const VERIFIED_TOKENS_KEPT = 1_000;

/** An HS256 token that verified, with the payload and the options it verified under. */
interface VerifiedToken {
  readonly payload: JWTPayload;
  readonly options: JWTVerifyOptions;
}

/** Keys that verify asymmetric signatures, with the only algorithms they may be used with. */
interface AsymmetricKeys {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
}

/**
 * Binds each algorithm to its keys: HS256 to the secrets (`JWT_SECRET`,
 * then `JWT_PREVIOUS_SECRETS`), the asymmetric algorithms to the JWK Set or
 * the public key. The token's header only picks which of the two to try;
 * each verification then pins its own algorithms, so a header cannot steer
 * a public key into an HMAC (jose also refuses a non-secret HMAC key) and
 * `alg: none` is never on either list.
 */
export class TokenKeys {
  /**
   * The secrets as WebCrypto keys, imported once: jose verifies with
   * WebCrypto, and given raw bytes or a secret KeyObject it imports them
   * again on every call (several times the cost of the HMAC itself).
   */
  private readonly secrets: Promise<readonly CryptoKey[]>;
  private readonly secretCount: number;
  private readonly asymmetric: AsymmetricKeys | null;
  private readonly jwks: JwksKeySource | null;
  /**
   * HS256 tokens that verified, by their exact text. A service sends one
   * token on every request for its lifetime, and WebCrypto's HMAC was a
   * fifth of a POST's CPU. The secrets are fixed for the process, so a
   * signature that verified once verifies again; `exp` is checked again on
   * every use (an expired token goes through jose, which refuses it), and
   * `nbf`, `iss` and `aud` cannot change their answer. Tokens of a JWK Set,
   * whose keys can be withdrawn, are not kept.
   */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(auth: AuthConfig) {
    const secrets = [auth.jwtSecret, ...auth.previousSecrets].filter((secret): secret is string => secret !== null);
    this.secretCount = secrets.length;
    this.secrets = Promise.all(
      secrets.map((secret) => webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])),
    );
    this.jwks = auth.jwksUrl ? new JwksKeySource(auth.jwksUrl) : null;
    if (this.jwks) this.asymmetric = { key: this.jwks.key, algorithms: JWKS_ALGORITHMS };
    else if (auth.publicKey) this.asymmetric = { key: auth.publicKey, algorithms: PUBLIC_KEY_ALGORITHMS[auth.publicKey.asymmetricKeyType ?? ''] ?? [] };
    else this.asymmetric = null;
  }

  /** Fetches the JWK Set ahead of the first token, when there is one. */
  warmUp(): Promise<void> {
    return this.jwks?.warmUp() ?? Promise.resolve();
  }

  /**
   * Checks the signature with the keys bound to the token's algorithm,
   * then the claims as `options` say.
   * @throws a jose `JOSEError` for any token that does not verify.
   */
  async verify(token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
    const { alg } = decodeProtectedHeader(token);
    if (alg === SECRET_ALGORITHM && this.secretCount > 0) return this.verifyWithSecrets(token, options);
    if (alg !== SECRET_ALGORITHM && this.asymmetric) {
      return (await jwtVerify(token, this.asymmetric.key, { ...options, algorithms: [...this.asymmetric.algorithms] })).payload;
    }
    throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed: no key is configured for ${JSON.stringify(alg)}`);
  }

  /** The current secret first; a previous one only when the signature does not match the current one. */
  private async verifyWithSecrets(token: string, options: JWTVerifyOptions): Promise<JWTPayload> {
    const known = this.verified.get(token);
    if (known !== undefined && known.options === options && !expired(known.payload, options)) return known.payload;
    let mismatch: unknown;
    for (const secret of await this.secrets) {
      try {
        const { payload } = await jwtVerify(token, secret, { ...options, algorithms: [SECRET_ALGORITHM] });
        this.remember(token, { payload: Object.freeze(payload), options });
        return payload;
      } catch (error) {
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
        mismatch = error;
      }
    }
    throw mismatch;
  }

  private remember(token: string, verified: VerifiedToken): void {
    this.verified.delete(token);
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
  }
}

/** jose's `exp` rule (RFC 7519 4.1.4): expired once `exp <= now - clockTolerance`, in whole seconds. */
function expired(payload: JWTPayload, options: JWTVerifyOptions): boolean {
  const tolerance = typeof options.clockTolerance === 'number' ? options.clockTolerance : 0;
  return typeof payload.exp !== 'number' || payload.exp <= Math.floor(Date.now() / 1000) - tolerance;
}
