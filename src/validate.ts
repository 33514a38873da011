import { InvalidArgumentError } from './errors.js';

/**
 * Describes a value for an error message: `` `0` (number) ``, `` `"a"` (string) ``,
 * `` `Float32Array(3)` ``. Never throws, even for cyclic or exotic values.
 *
 * @example
 * ```ts
 * describeValue(NaN); // '`NaN` (number)'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `\`${String(value)}\` (${typeof value})`;
  }
  if (typeof value === 'symbol') return `\`${value.toString()}\` (symbol)`;
  try {
    if (typeof value === 'function') return `\`${value.name || 'anonymous'}\` (function)`;
    if (ArrayBuffer.isView(value)) {
      const length = 'length' in value ? (value as { length: number }).length : value.byteLength;
      return `\`${value.constructor.name}(${length})\``;
    }
    if (Array.isArray(value)) return `\`Array(${value.length})\``;
    const ctor: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `\`${typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : 'object'}\` (object)`;
  } catch {
    // A revoked proxy, a throwing getter: still say what kind of value it is.
    return `\`${typeof value}\` (${typeof value})`;
  }
}

/**
 * Builds the standard bad-argument error: names the argument, the expectation and the value.
 *
 * @example
 * ```ts
 * throw invalidArgument('batchSize', 'a positive integer', 0);
 * // Expected `batchSize` to be a positive integer, got `0` (number)
 * ```
 */
export function invalidArgument(
  name: string,
  expected: string,
  given: unknown,
): InvalidArgumentError {
  return new InvalidArgumentError(
    `Expected \`${name}\` to be ${expected}, got ${describeValue(given)}`,
  );
}

/**
 * Returns `value` when it is an integer >= 1, else throws {@link InvalidArgumentError}.
 *
 * @example
 * ```ts
 * const capacity = positiveInteger('capacity', options.capacity ?? 32);
 * ```
 */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidArgument(name, 'a positive integer', value);
  }
  return value;
}

/**
 * Returns `value` when it is an integer >= 0, else throws {@link InvalidArgumentError}.
 *
 * @example
 * ```ts
 * nonNegativeInteger('minAfterDequeue', 0); // 0
 * ```
 */
export function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidArgument(name, 'a non-negative integer', value);
  }
  return value;
}

/**
 * Returns `value` when it is a finite number >= 0 (a duration in milliseconds), else throws.
 *
 * @example
 * ```ts
 * nonNegativeMs('timeoutMs', 100); // 100
 * ```
 */
export function nonNegativeMs(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(name, 'a finite number of milliseconds >= 0', value);
  }
  return value;
}

/**
 * Returns `undefined` (no limit) for `undefined` or `null` (not given, like every optional
 * option), `value` when it is a finite number > 0 (a time limit in milliseconds), else throws
 * {@link InvalidArgumentError}.
 *
 * @example
 * ```ts
 * const stepTimeoutMs = optionalPositiveMs('stepTimeoutMs', options.stepTimeoutMs); // e.g. 60000
 * ```
 */
export function optionalPositiveMs(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(name, 'a finite number of milliseconds > 0', value);
  }
  return value;
}

/**
 * Whether `value` is an `AbortSignal`. Duck-typed (`aborted` and `addEventListener`), so that a
 * signal from another realm (a `vm` context, a test environment) passes too.
 *
 * @example
 * ```ts
 * isAbortSignal(new AbortController().signal); // true
 * isAbortSignal('stop'); // false
 * ```
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  const s = value as Partial<AbortSignal> | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}

/**
 * Returns `value` when it is a boolean, else throws.
 *
 * @example
 * ```ts
 * const shuffle = booleanOption('shuffle', options.shuffle ?? true);
 * ```
 */
export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(name, 'a boolean', value);
  return value;
}

/**
 * Returns `value` when it is a 32-bit integer seed, else throws.
 *
 * @example
 * ```ts
 * integerSeed('seed', 7); // 7
 * ```
 */
export function integerSeed(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidArgument(name, 'an integer', value);
  }
  return value;
}
