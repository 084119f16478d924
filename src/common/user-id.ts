import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/** Longest user id (`sub`, a recipient, an `actor`) or notification `type`, in UTF-16 code units. */
export const USER_ID_MAX_LENGTH = 128;

/**
 * Units no id may hold: control characters (`\p{Cc}`: C0 U+0000-U+001F,
 * DEL U+007F, C1 U+0080-U+009F) and lone surrogates (with the `u` flag,
 * `\p{Cs}` matches only a surrogate that is not half of a pair). A lone
 * surrogate is not Unicode text: it becomes U+FFFD on its way into MySQL
 * (or any UTF-8), so two different strings would name one stored user.
 * Controls in ids only ever serve to forge log lines and terminal output.
 */
const FORBIDDEN_IN_ID = /[\p{Cc}\p{Cs}]/u;

/** The rule, as error messages and docs state it. */
export const USER_ID_RULE = `a string of 1-${USER_ID_MAX_LENGTH} characters of well-formed Unicode without control characters`;

/**
 * Whether `value` may name a user (the token's `sub`, a recipient, an
 * `actor`): a string of 1-128 UTF-16 units, well-formed (no lone
 * surrogate), with no C0 or C1 control character. Ids compare exactly,
 * unit by unit; nothing is normalized.
 */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= USER_ID_MAX_LENGTH && !FORBIDDEN_IN_ID.test(value);
}

/** class-validator rule for `isUserId` (with `each: true`, for every item of an array). */
export function IsUserId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUserId',
      validator: { validate: (value: unknown) => isUserId(value), defaultMessage: buildMessage((each) => `${each}$property must be ${USER_ID_RULE}`, options) },
    },
    options,
  );
}
