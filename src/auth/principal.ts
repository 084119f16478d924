/** Roles a token may carry in its `roles` claim. */
export type Role = 'admin' | 'service';

/** The authenticated caller, derived from a verified access token. */
export interface Principal {
  /** The user id: the token's `sub` claim (RFC 7519 4.1.2), 1-128 characters. */
  readonly sub: string;
  /** The `roles` claim; unknown role names are kept but grant nothing. */
  readonly roles: readonly string[];
  /** The `exp` claim (RFC 7519 4.1.4) in seconds since the epoch. */
  readonly expiresAt: number;
}

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}
