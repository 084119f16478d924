/** Roles a token may carry in its roles claim (`JWT_ROLES_CLAIM`). */
export type Role = 'admin' | 'service';

/** The authenticated caller, derived from a verified access token. */
export interface Principal {
  /** The user id: the token's `sub` claim (RFC 7519 4.1.2), 1-128 characters. */
  readonly sub: string;
  /** The roles claim (`JWT_ROLES_CLAIM`, default `roles`); unknown role names are kept but grant nothing. */
  readonly roles: readonly string[];
  /** The `exp` claim (RFC 7519 4.1.4) in seconds since the epoch. */
  readonly expiresAt: number;
  /** The `iat` claim (RFC 7519 4.1.6) in seconds since the epoch; null when the token has none. */
  readonly issuedAt: number | null;
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}
