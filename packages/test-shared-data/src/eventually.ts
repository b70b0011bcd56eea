/**
 * Polls `fn` every `intervalMs` until it returns a value other than
 * `undefined`; fails after `timeoutMs`. The one polling helper of the
 * repository's tests (backends that reload, publish or stream in the
 * background).
 */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 30000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting`);
    await new Promise(r => setTimeout(r, intervalMs));
  }
}
