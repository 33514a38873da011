import { CancelledError } from './errors.js';

/** Per signal, the callbacks waiting for its abort (see `whenAborted`). */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` when `signal` aborts, until the returned function is called. Every waiter
 * on a signal shares one `abort` listener, registered the first time and left in place: a
 * pipeline waits on its run's signal once or more per batch, and adding and removing an
 * `EventTarget` listener each time costs more than the rest of a queue operation. The signal
 * must not be aborted yet (check `signal.aborted` first).
 *
 * @example
 * ```ts
 * const stopWatching = whenAborted(signal, () => reject(new CancelledError('Cancelled')));
 * // ... once settled:
 * stopWatching();
 * ```
 */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = waiting.get(signal);
  if (callbacks === undefined) {
    const created = new Set<() => void>();
    callbacks = created;
    waiting.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const call of [...created]) call();
        created.clear();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(callback);
  return () => {
    set.delete(callback);
  };
}

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
    const stopWatching = whenAborted(signal, () =>
      reject(new CancelledError(message, { cause: signal.reason })),
    );
    promise.then(
      (value) => {
        stopWatching();
        resolve(value);
      },
      (error: unknown) => {
        stopWatching();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it came
        reject(error);
      },
    );
  });
}
