import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The id rule of every stored record (notifications, room messages): a
 * decimal string of a positive BIGINT, no sign, no leading zeros, at most
 * 2^63 - 1. Ids grow with time and are the cursors for paging and resume.
 * One rule for the REST DTOs, the WebSocket protocol and the terminal
 * client; the web client (`web/public/assets/herald-client.js`) carries a
 * copy of `compareIds` that `record-id.spec.ts` checks against this one.
 */

/** Largest id: MySQL's signed BIGINT maximum, 2^63 - 1. */
export const MAX_RECORD_ID = 2n ** 63n - 1n;

const RECORD_ID_SHAPE = /^[1-9][0-9]{0,18}$/;

/** A stored record's id: `"1"` to `"9223372036854775807"`. */
export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && RECORD_ID_SHAPE.test(value) && BigInt(value) <= MAX_RECORD_ID;
}

/** A resume cursor: a record id, or `"0"` for "from the beginning". */
export function isRecordCursor(value: unknown): value is string {
  return value === '0' || isRecordId(value);
}

/**
 * Orders two ids (or cursors) numerically without converting them:
 * negative, zero or positive, like `Array#sort`'s comparator.
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** class-validator rule: the property is a record id (`isRecordId`). */
export function IsRecordId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isRecordId', validator: { validate: isRecordId, defaultMessage: () => '$property must be an id (a decimal string from 1 to 2^63-1)' } },
    options,
  );
}

/** class-validator rule: the property is a resume cursor (`isRecordCursor`). */
export function IsRecordCursor(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isRecordCursor', validator: { validate: isRecordCursor, defaultMessage: () => '$property must be an id (a decimal string from 0 to 2^63-1)' } },
    options,
  );
}
