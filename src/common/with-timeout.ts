/**
 * Settles like `promise`, or rejects with `onTimeout()` (by default an
 * `Error` "timed out after <ms> ms") when it has not settled within `ms`
 * milliseconds. The timer is cleared either way; `promise` itself is not
 * cancelled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error = () => new Error(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
