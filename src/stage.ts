/** The property a runner sets on the error of a failed step: the failing stage's name. */
const STAGE = 'stage';

/**
 * The name of the pipeline stage whose step raised `error`: the name of the queue that
 * stage's runner feeds (a batcher's or producer's `name`, e.g. `batch_3`), or `undefined`
 * when `error` did not come out of a runner step, or could not be marked (a thrown primitive
 * such as a string, a frozen object).
 *
 * When a step throws, its runner records the stage on the error itself, as a non-enumerable
 * `stage` property, before reporting it; the error keeps its identity (`coord.join` re-throws
 * that very object, and consumers get it as the `cause` of their `OutOfRangeError`). An error
 * that already has a `stage` property is left as it is, so an error passed on through several
 * stages names the first one that raised it.
 *
 * @example
 * ```ts
 * try {
 *   await coord.join(threads);
 * } catch (e) {
 *   console.error(`stage ${failedStage(e) ?? '?'} failed`, e);
 * }
 * ```
 */
export function failedStage(error: unknown): string | undefined {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
    return undefined;
  }
  try {
    const stage: unknown = (error as { readonly [STAGE]?: unknown })[STAGE];
    return typeof stage === 'string' ? stage : undefined;
  } catch {
    // A getter or proxy that throws: no stage to tell.
    return undefined;
  }
}

/**
 * Records `stage` on `error` (see {@link failedStage}) without changing its identity: only
 * when `error` is an extensible object or function without a `stage` property already.
 * Never throws.
 *
 * @example
 * ```ts
 * markFailedStage(error, 'batch_3');
 * failedStage(error); // 'batch_3'
 * ```
 */
export function markFailedStage(error: unknown, stage: string): void {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return;
  try {
    if (STAGE in error || !Object.isExtensible(error)) return;
    Object.defineProperty(error, STAGE, {
      value: stage,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  } catch {
    // A proxy that refuses: the error goes on unmarked.
  }
}

/**
 * Why input ended, for the message of an `OutOfRangeError` that carries a failure as `cause`
 * ("input ended because ..."): the failed stage when it is known, then the failure.
 *
 * @example
 * ```ts
 * describeFailure(error); // "stage 'batch_3' failed: Error: bad record"
 * describeFailure('boom'); // 'of a failure: boom'
 * ```
 */
export function describeFailure(cause: unknown): string {
  const stage = failedStage(cause);
  const why = stage === undefined ? 'of a failure' : `stage '${stage}' failed`;
  return `${why}: ${summarize(cause)}`;
}

function summarize(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (value !== null && typeof value === 'object') {
      const message: unknown = (value as { readonly message?: unknown }).message;
      if (typeof message === 'string') return message;
      return Object.prototype.toString.call(value);
    }
    if (typeof value === 'symbol') return value.toString();
    return String(value);
  } catch {
    return 'an unprintable value';
  }
}
