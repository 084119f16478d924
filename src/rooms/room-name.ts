/** Room names (docs/protocol.md): 1-64 of ASCII letters, digits, `_`, `.`, `-`; compared exactly. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Longest room message, in characters. */
export const MAX_ROOM_TEXT = 4_000;

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM_NAME_PATTERN.test(value);
}
