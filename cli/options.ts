import { InvalidArgumentError as OptionValueError } from 'commander';
import type { BackendName } from '../src/tf.js';
import type { ModelKind } from './models.js';
import type { Method } from './train.js';
import type { TrainingSettings } from './settings.js';

/**
 * What `--method` accepts: one method, or both one after the other.
 *
 * @example
 * ```ts
 * const choice: MethodChoice = 'both';
 * ```
 */
export type MethodChoice = Method | 'both';

/**
 * The methods, models and backends the options accept, in help order.
 *
 * @example
 * ```ts
 * new Option('--method <method>').choices(METHOD_CHOICES);
 * ```
 */
export const METHOD_CHOICES: readonly MethodChoice[] = ['generator', 'queue', 'both'];
export const MODEL_CHOICES: readonly ModelKind[] = ['softmax', 'mlp'];
export const BACKEND_CHOICES: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/**
 * The parsed and validated options of `queuefeed train`.
 *
 * @example
 * ```ts
 * const opts = command.opts<TrainCliOptions>();
 * opts.batchSize; // 100
 * ```
 */
export interface TrainCliOptions extends TrainingSettings {
  method: MethodChoice;
  backend: BackendName;
  logEvery: number;
  data?: string | undefined;
  json?: string | undefined;
  /** Set on the child processes of `--method both`: print only the run's own lines. */
  child?: boolean | undefined;
}

/**
 * Exit code of a command line that names a bad option or value.
 *
 * @example
 * ```ts
 * process.exitCode = USAGE_EXIT_CODE; // 2
 * ```
 */
export const USAGE_EXIT_CODE = 2;

/**
 * An error that ends the command with `exitCode` and only its message printed (no stack).
 *
 * @example
 * ```ts
 * throw new CliError('the queue run failed (exit code 1)', 1);
 * ```
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * A bad option value found after parsing (a missing data directory, an unavailable backend):
 * reported like commander's own option errors and with the same exit code, 2.
 *
 * @example
 * ```ts
 * throw new UsageError("option '--data <dir>': directory `./mnist` not found");
 * ```
 */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';

  constructor(message: string) {
    super(message, USAGE_EXIT_CODE);
  }
}

/**
 * A commander argument parser accepting integers of at least `min`, written in decimal.
 * `Number()` alone would accept `1e3`, `0x10` or ` 5 `, which are more likely typos.
 *
 * @example
 * ```ts
 * new Option('--epochs <n>').argParser(integerAtLeast(1)); // '0' -> error: ... Expected an integer >= 1
 * ```
 */
export function integerAtLeast(min: number): (value: string) => number {
  return (value: string): number => {
    const n = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      throw new OptionValueError(`Expected an integer >= ${min}.`);
    }
    return n;
  };
}

/**
 * A commander argument parser accepting any safe integer (seeds may be negative).
 *
 * @example
 * ```ts
 * new Option('--seed <n>').argParser(anyInteger); // '4.2' -> error: ... Expected an integer
 * ```
 */
export function anyInteger(value: string): number {
  const n = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new OptionValueError('Expected an integer.');
  return n;
}

/**
 * A commander argument parser rejecting an empty string (a path option given `''`).
 *
 * @example
 * ```ts
 * new Option('--json <file>').argParser(nonEmpty); // '' -> error: ... Expected a non-empty path
 * ```
 */
export function nonEmpty(value: string): string {
  if (value === '') throw new OptionValueError('Expected a non-empty path.');
  return value;
}
