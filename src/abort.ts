import { CancelledError } from './errors.js';

/**
 * `promise`, or a rejection with `CancelledError(message)` (the signal's reason as `cause`)
 * as soon as `signal` aborts. The promise itself runs on; only the waiting stops.
 *
 * @example
 * ```ts
 * const block = await untilAborted(readAhead, signal, 'Read cancelled');
 * ```
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  message: string,
): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError(message, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError(message, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}
