import fc from 'fast-check';
import { exceedsJsonDepth } from './json-depth';

/** Levels of arrays and objects in a value, by walking it (the oracle). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Object.values(value);
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child)), 0);
}

/** `[[[...]]]` / `{"a":{"a":...}}` text `depth` levels deep, the kind of each level picked by `kinds`' bits. */
function nested(depth: number, kinds: number): string {
  let text = '0';
  for (let level = depth - 1; level >= 0; level--) text = (kinds >>> (level % 31)) & 1 ? `[${text}]` : `{"a":${text}}`;
  return text;
}

/** Strings full of what a naive scanner would miscount: brackets, quotes and backslashes. */
const trickyString = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '\u{1f600}', '\\"'), maxLength: 12 });
/** JSON values whose strings (keys and values) are tricky. */
const trickyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(trickyString, fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('exceedsJsonDepth', () => {
  it('agrees with a walk of the parsed value for any JSON and any bound', () => {
    fc.assert(
      fc.property(fc.oneof(trickyJson, fc.jsonValue()), fc.integer({ min: 0, max: 12 }), (value, maxDepth) => {
        const text = JSON.stringify(value);
        expect(exceedsJsonDepth(Buffer.from(text, 'utf8'), maxDepth)).toBe(depthOf(JSON.parse(text)) > maxDepth);
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts mixed arrays and objects of any depth exactly, at thousands of levels too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer(), fc.integer({ min: 1, max: 20_000 }), (depth, kinds, maxDepth) => {
        expect(exceedsJsonDepth(Buffer.from(nested(depth, kinds)), maxDepth)).toBe(depth > maxDepth);
      }),
      { numRuns: 300 },
    );
  });

  it('answers for a million unclosed brackets, which JSON.parse would not', () => {
    expect(exceedsJsonDepth(Buffer.from('['.repeat(1_000_000)), 32)).toBe(true);
  });

  it('skips brackets in strings and escaped quotes', () => {
    expect(exceedsJsonDepth(Buffer.from('{"a":"[[[[\\"{{{{"}'), 1)).toBe(false);
    expect(exceedsJsonDepth(Buffer.from('{"a\\\\":[]}'), 1)).toBe(true);
  });
});
