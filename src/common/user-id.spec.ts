import fc from 'fast-check';
import { isUserId, USER_ID_MAX_LENGTH } from './user-id';

/** Node 20 has `String.prototype.isWellFormed` (ES2024); the project's `lib` is ES2022. */
const isWellFormed = (value: string): boolean => (value as unknown as { isWellFormed(): boolean }).isWellFormed();
/** C0 controls, DEL and C1 controls, by code unit. */
const hasControl = (value: string): boolean =>
  [...value].some((char) => char.charCodeAt(0) <= 0x1f || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f));

/** Any UTF-16 unit, so lone and paired surrogates both occur. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** Any code point, surrogate code points included (they come out lone). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code));

describe('isUserId', () => {
  it('accepts exactly the well-formed strings of 1-128 units without a control character', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: anyUnit, maxLength: 140 }), fc.string({ unit: anyCodePoint, maxLength: 70 })), (value) => {
        const expected = value.length >= 1 && value.length <= USER_ID_MAX_LENGTH && isWellFormed(value) && !hasControl(value);
        expect(isUserId(value)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['a lone high surrogate', '\ud800-R'],
    ['a lone low surrogate', '\udfff-R'],
    ['a high surrogate at the end', 'alice\ud83d'],
    ['two high surrogates then a low one', '\ud83d\ud83d\ude00'],
    ['NUL', 'ali\u0000ce'],
    ['a newline', 'alice\n'],
    ['DEL', 'alice\u007f'],
    ['a C1 control (NEL)', 'alice\u0085'],
    ['nothing', ''],
  ])('refuses an id with %s', (_, value) => {
    expect(isUserId(value)).toBe(false);
  });

  it.each([
    ['U+FFFD itself', '\ufffd-R'],
    ['an emoji (a surrogate pair)', 'alice\ud83d\ude00'],
    ['spaces and punctuation', 'Alice Smith <alice@example.com>'],
    ['128 astral units', '\ud83d\ude00'.repeat(64)],
  ])('accepts an id with %s', (_, value) => {
    expect(isUserId(value)).toBe(true);
  });

  it('refuses anything but a string', () => {
    for (const value of [undefined, null, 42, ['alice'], { sub: 'alice' }]) expect(isUserId(value)).toBe(false);
  });
});
