import { Logger } from '@nestjs/common';
import { createLocalJWKSet, createRemoteJWKSet, CryptoKey, errors, FlattenedJWSInput, JWSHeaderParameters } from 'jose';

/** Least time between two fetches of the key set, in ms: an unknown `kid` refetches at most this often. */
export const JWKS_COOLDOWN_MS = 30_000;
/** A set older than this, in ms, is refetched before use (and kept when the fetch fails). */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** How long one fetch may take, in ms. */
const JWKS_TIMEOUT_MS = 5_000;

/** The key set could not be fetched and none was fetched before. */
export class JwksUnavailable extends errors.JOSEError {
  static override code = 'ERR_HERALD_JWKS_UNAVAILABLE';
  override code = 'ERR_HERALD_JWKS_UNAVAILABLE';
}

/** Errors that say the token names no usable key, as opposed to the set being unreachable. */
function isKeySelectionError(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;
}

/**
 * The identity provider's JWK Set (`JWT_JWKS_URL`) as a jose key lookup:
 * jose's remote set fetches it, picks the key by `kid` and algorithm, and
 * refetches on an unknown `kid` at most once per `JWKS_COOLDOWN_MS`.
 * On top of it, a failed fetch is not retried within the cooldown either,
 * and meanwhile the last set fetched keeps verifying tokens, so an outage
 * of the provider neither floods it nor locks out holders of valid tokens.
 */
export class JwksKeySource {
  private readonly logger = new Logger('JwksKeySource');
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private failedAt = Number.NEGATIVE_INFINITY;
  /** The set as last fetched, taken when a fetch fails and used until the next try. */
  private lastSet?: ReturnType<typeof createLocalJWKSet>;

  constructor(readonly url: URL) {
    this.remote = createRemoteJWKSet(url, { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS, timeoutDuration: JWKS_TIMEOUT_MS });
  }

  /** jose's `getKey`: the key the token's header names. */
  readonly key = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (Date.now() - this.failedAt < JWKS_COOLDOWN_MS) return this.fromLastSet(header, token);
    try {
      return await this.remote(header, token);
    } catch (error) {
      if (isKeySelectionError(error)) throw error;
      this.failedAt = Date.now();
      const jwks = this.remote.jwks();
      this.lastSet = jwks ? createLocalJWKSet(jwks) : undefined;
      this.logger.warn(`fetching the JWK Set from ${this.url.origin} failed, next try in ${JWKS_COOLDOWN_MS / 1000} s: ${(error as Error).message}`);
      return this.fromLastSet(header, token);
    }
  };

  /** Fetches the set once at start-up so a wrong URL shows in the log at once; never throws. */
  async warmUp(): Promise<void> {
    try {
      await this.remote.reload();
      this.logger.log(`JWK Set from ${this.url.origin} has ${this.remote.jwks()?.keys.length ?? 0} keys`);
    } catch (error) {
      this.logger.warn(
        `fetching the JWK Set from ${this.url.origin} failed; tokens signed by the identity provider are refused until it answers: ${(error as Error).message}`,
      );
    }
  }

  private async fromLastSet(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    if (!this.lastSet) throw new JwksUnavailable(`the JWK Set at ${this.url.origin} could not be fetched`);
    return this.lastSet(header, token);
  }
}
