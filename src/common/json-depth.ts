const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether the JSON text in `bytes` (UTF-8) nests arrays and objects more
 * than `maxDepth` levels deep: `{}` and `[1]` are one level, `{"a":[{}]}`
 * three. One pass over the bytes with a counter, before anything parses
 * or walks the value: class-transformer, Nest's ValidationPipe and
 * `JSON.stringify` recurse once per level and overflow the stack on a
 * few thousand, and `JSON.parse` spends seconds building a million.
 *
 * Exact for valid JSON (brackets inside strings are skipped, escapes
 * included; bytes of multi-byte UTF-8 characters are never ASCII);
 * for invalid JSON the answer does not matter, the parser refuses it.
 */
export function exceedsJsonDepth(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
