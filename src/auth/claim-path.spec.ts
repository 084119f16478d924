import { claimAt } from './claim-path';

describe('claimAt', () => {
  it('reads a top-level claim', () => {
    expect(claimAt({ roles: ['admin'] }, 'roles')).toEqual(['admin']);
  });

  it('follows a dotted path into nested objects (Keycloak realm_access.roles)', () => {
    expect(claimAt({ realm_access: { roles: ['service'] } }, 'realm_access.roles')).toEqual(['service']);
    expect(claimAt({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
  });

  it('matches a claim whose own name has dots whole (Auth0 namespaced claims)', () => {
    expect(claimAt({ 'https://herald.example.com/roles': ['admin'] }, 'https://herald.example.com/roles')).toEqual(['admin']);
    expect(claimAt({ 'https://herald.example.com': { roles: ['admin'] } }, 'https://herald.example.com.roles')).toEqual(['admin']);
  });

  it('prefers the longest key the path starts with', () => {
    expect(claimAt({ 'a.b': { c: 'long' }, a: { b: { c: 'short' } } }, 'a.b.c')).toBe('long');
  });

  it.each([
    ['a missing claim', { other: 1 }, 'roles'],
    ['a path through a non-object', { realm_access: 'admin' }, 'realm_access.roles'],
    ['a path through an array', { realm_access: [{ roles: ['admin'] }] }, 'realm_access.roles'],
    ['a path through null', { realm_access: null }, 'realm_access.roles'],
    ['an inherited property', {}, 'constructor'],
    ['a prototype path', {}, '__proto__.constructor'],
  ])('returns undefined for %s', (_, claims, path) => {
    expect(claimAt(claims, path)).toBeUndefined();
  });
});
