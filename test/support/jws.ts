import { constants, createHmac, createPrivateKey, KeyObject, sign } from 'node:crypto';

/** The JWS algorithms the builder signs with (RFC 7518, RFC 8037). */
export type JwsAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS (RFC 7515) built by hand from any header and any payload
 * (`null` and other non-objects included), so the verifier is tested
 * against the wire format rather than against the library that signs.
 * `key` is an HMAC secret (string, bytes or secret KeyObject) for HS*, a
 * private key for the rest. `header.alg` defaults to `alg`.
 */
export function signJws(alg: JwsAlgorithm, key: string | Buffer | KeyObject, payload: unknown, header: Record<string, unknown> = {}): string {
  const input = `${base64url({ alg, typ: 'JWT', ...header })}.${base64url(payload)}`;
  return `${input}.${signature(alg, key, input).toString('base64url')}`;
}

function signature(alg: JwsAlgorithm, key: string | Buffer | KeyObject, input: string): Buffer {
  if (alg.startsWith('HS'))
    return createHmac(`sha${alg.slice(2)}`, key)
      .update(input)
      .digest();
  const privateKey = key instanceof KeyObject ? key : createPrivateKey(key);
  switch (alg) {
    case 'RS256':
      return sign('sha256', Buffer.from(input), privateKey);
    case 'PS256':
      return sign('sha256', Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ES256':
      return sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, Buffer.from(input), privateKey);
    default:
      throw new Error(`unsupported algorithm ${alg}`);
  }
}

/** An unsecured JWT (RFC 7519 section 6): `alg: none`, empty signature. */
export function unsecuredJws(payload: unknown): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/** `now` in NumericDate seconds (RFC 7519 section 2). */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
