import { useEffect } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';

/** Loads a value and reloads it every `intervalMs` (keeping the previous value while reloading). */
export function usePolled<T>(
  load: () => Promise<T>,
  deps: unknown[],
  intervalMs: number,
) {
  const state = useAsyncRetry(load, deps);
  const { retry } = state;
  useEffect(() => {
    const timer = setInterval(retry, intervalMs);
    return () => clearInterval(timer);
  }, [retry, intervalMs]);
  return state;
}
