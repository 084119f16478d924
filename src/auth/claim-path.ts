/**
 * The value at a dotted claim path (`JWT_ROLES_CLAIM`): `roles`,
 * `realm_access.roles` (Keycloak). A claim whose own name contains dots
 * (Auth0's namespaced `https://herald.example.com/roles`) matches whole:
 * at each level the longest key that the path starts with wins. Only own
 * properties count, so `__proto__` or `constructor` never reach a prototype.
 * @returns undefined when the path does not exist.
 */
export function claimAt(claims: unknown, path: string): unknown {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  if (Object.hasOwn(claims, path)) return (claims as Record<string, unknown>)[path];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
    const key = path.slice(0, dot);
    if (Object.hasOwn(claims, key)) return claimAt((claims as Record<string, unknown>)[key], path.slice(dot + 1));
  }
  return undefined;
}
