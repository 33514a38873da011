import { invalidArgument } from './validate.js';

/**
 * An error class (`Error` or a subclass), as accepted by `cleanStopErrorTypes` and
 * `queueClosedErrorTypes`.
 *
 * @example
 * ```ts
 * const types: readonly ErrorClass[] = [OutOfRangeError, CancelledError];
 * ```
 */
export type ErrorClass = abstract new (...args: never[]) => Error;

function isErrorClass(value: unknown): value is ErrorClass {
  return (
    typeof value === 'function' &&
    (value === Error || (value as { prototype?: unknown }).prototype instanceof Error)
  );
}

/**
 * Returns a copy of `value` when it is a non-empty array of error classes, else throws
 * `InvalidArgumentError` naming `name`.
 *
 * @example
 * ```ts
 * errorClassList('cleanStopErrorTypes', [OutOfRangeError]); // [OutOfRangeError]
 * ```
 */
export function errorClassList(name: string, value: unknown): readonly ErrorClass[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isErrorClass)) {
    throw invalidArgument(name, 'a non-empty array of error classes (Error or subclasses)', value);
  }
  return Object.freeze([...value]);
}

/**
 * True when `error` is an instance of one of `types`.
 *
 * @example
 * ```ts
 * isInstanceOfAny(new OutOfRangeError('end'), [OutOfRangeError]); // true
 * ```
 */
export function isInstanceOfAny(error: unknown, types: readonly ErrorClass[]): boolean {
  return types.some((type) => error instanceof type);
}
