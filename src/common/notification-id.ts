/**
 * Orders decimal BIGINT id strings (no leading zeros) numerically without
 * converting them: -1, 0 or 1. Shared by the feed merge and the per-socket
 * de-duplication of live frames.
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
