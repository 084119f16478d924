import fc from 'fast-check';
import { canonicalJson } from './idempotency.service';
import { compareIdsDescending } from './notification.store';

/** Decimal id strings as the database hands them out: positive, no leading zeros, beyond 2^53. */
const id = fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map(String);

describe('compareIdsDescending', () => {
  it('orders ids like BigInt, newest (largest) first, for any pair of ids', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const expected = BigInt(a) > BigInt(b) ? -1 : BigInt(a) < BigInt(b) ? 1 : 0;
        expect(Math.sign(compareIdsDescending(a, b))).toBe(expected);
      }),
    );
  });

  it('sorts any list of ids newest first', () => {
    fc.assert(
      fc.property(fc.array(id), (ids) => {
        const byBigInt = [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0));
        expect([...ids].sort(compareIdsDescending)).toEqual(byBigInt);
      }),
    );
  });

  it('puts a longer id before a shorter one, unlike string order', () => {
    expect(['9', '100', '10', '11', '9007199254740993', '9007199254740992'].sort(compareIdsDescending)).toEqual([
      '9007199254740993',
      '9007199254740992',
      '100',
      '11',
      '10',
      '9',
    ]);
  });
});

/** A deterministic pseudo-random permutation, so a property can reorder keys reproducibly. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The same JSON value with the keys of every object, at every depth, inserted in another order. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, index) => reorderKeys(item, seed + index + 1));
  if (value !== null && typeof value === 'object') {
    // Object.fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(shuffled(Object.entries(value), seed).map(([key, item]) => [key, reorderKeys(item, seed * 31 + 7)]));
  }
  return value;
}

describe('canonicalJson', () => {
  it('is equal for any two objects that differ only in key order, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        expect(canonicalJson(reorderKeys(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is equal for a hand-written pair with nested objects in reversed key order', () => {
    const a = { type: 't', payload: { z: 1, a: { y: [1, { q: 1, p: 2 }], x: null } }, actor: 'bob' };
    const b = { actor: 'bob', payload: { a: { x: null, y: [1, { p: 2, q: 1 }] }, z: 1 }, type: 't' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('is valid JSON that parses back to the same value, so different values never collide', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it.each<[string, unknown, unknown]>([
    ['different numbers', { a: 1 }, { a: 2 }],
    ['a number and its string', { a: 1 }, { a: '1' }],
    ['null and an absent key', { a: null }, {}],
    ['different keys', { a: 1 }, { b: 1 }],
    ['arrays in another order', [1, 2], [2, 1]],
    ['nested arrays in another order', { r: ['alice', 'bob'] }, { r: ['bob', 'alice'] }],
    ['an empty array and an empty object', [], {}],
  ])('differs for %s', (_, a, b) => {
    expect(canonicalJson(a)).not.toBe(canonicalJson(b));
  });

  it('drops keys whose value is undefined, at any depth', () => {
    expect(canonicalJson({ a: 1, b: undefined, c: { d: undefined, e: 2 } })).toBe(canonicalJson({ a: 1, c: { e: 2 } }));
    expect(canonicalJson({ b: undefined })).toBe('{}');
  });

  it('sorts keys and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });
});
