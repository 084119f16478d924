import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compareIds, isRecordCursor, isRecordId, MAX_RECORD_ID } from './record-id';

const anyId = fc.bigInt({ min: 0n, max: MAX_RECORD_ID });

/** The web client's copy of `compareIds`, taken from the shipped module's source. */
function webClientCompareIds(): (a: string, b: string) => number {
  const source = readFileSync(join(__dirname, '../web/public/assets/herald-client.js'), 'utf8');
  const match = /export function compareIds\(a, b\) \{\n([\s\S]*?)\n\}/.exec(source);
  if (!match) throw new Error('herald-client.js no longer exports compareIds(a, b)');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: run the browser module's own function body, which has no build step to import it through
  return new Function('a', 'b', match[1]) as (a: string, b: string) => number;
}

describe('compareIds', () => {
  it('orders decimal ids as numbers, beyond what a double holds exactly', () => {
    fc.assert(
      fc.property(anyId, anyId, (a, b) => {
        expect(Math.sign(compareIds(a.toString(), b.toString()))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('has an exact copy in the web client', () => {
    const copy = webClientCompareIds();
    fc.assert(
      fc.property(anyId, anyId, (a, b) => {
        expect(Math.sign(copy(a.toString(), b.toString()))).toBe(Math.sign(compareIds(a.toString(), b.toString())));
      }),
    );
  });
});

describe('isRecordId', () => {
  it('accepts every positive BIGINT in its decimal form', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: MAX_RECORD_ID }), (id) => isRecordId(id.toString())));
  });

  it('refuses zero, values past 2^63-1, leading zeros, signs and non-strings', () => {
    for (const value of ['0', (MAX_RECORD_ID + 1n).toString(), '99999999999999999999', '01', '+1', '-1', '1.0', ' 1', '', 1, null]) {
      expect(isRecordId(value)).toBe(false);
    }
  });
});

describe('isRecordCursor', () => {
  it('accepts "0" and every record id, and nothing else', () => {
    expect(isRecordCursor('0')).toBe(true);
    fc.assert(fc.property(fc.string(), (value) => isRecordCursor(value) === (value === '0' || isRecordId(value))));
  });
});
