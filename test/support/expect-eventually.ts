/**
 * Retries an assertion until it passes or the timeout elapses, then throws
 * its last error. For state reached asynchronously; never a fixed sleep.
 */
export async function expectEventually<T>(assertion: () => T | Promise<T>, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
