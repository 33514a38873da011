import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component, Element } from '../src/element.js';
import { Random } from '../src/random.js';
import { integerSeed, invalidArgument, nonNegativeInteger } from '../src/validate.js';
import { readColumns, type Columns } from './columns.js';
import type { WorkerMapRef } from './gather-task.js';
import type { ProducerOptions } from './producer-options.js';
import { SliceSource, type Gathering } from './slice-source.js';

/**
 * Where a worker map lives: a module (`URL`, `file:` URL string or absolute path) whose
 * default export is the function, or the module and the name of its export.
 *
 * @example
 * ```ts
 * const where: WorkerMapModule = { module: new URL('./augment.js', import.meta.url), exportName: 'augment' };
 * ```
 */
export type WorkerMapModule =
  URL | string | { readonly module: URL | string; readonly exportName?: string | undefined };

/**
 * Options of {@link sliceInputProducer}: those of every producer, plus where rows are
 * gathered.
 *
 * @example
 * ```ts
 * const options: SliceInputProducerOptions = { numEpochs: 30, seed: 7, workers: 1 };
 * ```
 */
export interface SliceInputProducerOptions extends ProducerOptions {
  /**
   * Worker threads that gather the rows of each block (and run `workerMap`), so the main
   * thread only receives finished blocks. Numeric columns only; they are shared with the
   * workers once (copied into a `SharedArrayBuffer` unless already in one). Default 0: rows
   * are gathered on the main thread (1 when `workerMap` is given).
   */
  readonly workers?: number | undefined;
  /**
   * A per-example function ({@link WorkerMapFn}) run on the worker threads after the gather,
   * for CPU-bound work such as augmentation. Its `info.random()` is seeded from `seed` and the
   * example's position, so results do not depend on the number of workers.
   */
  readonly workerMap?: WorkerMapModule | undefined;
}

function moduleUrl(value: unknown): string | undefined {
  if (value instanceof URL) return value.href;
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('file:')) return value;
  return isAbsolute(value) ? pathToFileURL(value).href : undefined;
}

/** Validates `workers` and `workerMap` (before anything is registered). */
function gatheringOf(o: SliceInputProducerOptions | undefined): Gathering {
  if (o === undefined || o === null || typeof o !== 'object') return { workers: 0 };
  const given = o.workerMap;
  let map: WorkerMapRef | undefined;
  if (given !== undefined) {
    const ref =
      given !== null && typeof given === 'object' && !(given instanceof URL)
        ? given
        : { module: given };
    const module = moduleUrl(ref.module);
    const exportName = ref.exportName ?? 'default';
    if (module === undefined || typeof exportName !== 'string' || exportName === '') {
      throw invalidArgument(
        'workerMap',
        'a module URL, a file: URL string or an absolute path, or { module, exportName }',
        given,
      );
    }
    const seed = o.seed === undefined ? new Random().int(0x7fffffff) : integerSeed('seed', o.seed);
    map = { module, exportName, seed };
  }
  const workers = nonNegativeInteger('workers', o.workers ?? (map === undefined ? 0 : 1));
  if (map !== undefined && workers === 0) {
    throw invalidArgument('workers', 'at least 1 with `workerMap`', o.workers);
  }
  return { workers, map };
}

/**
 * The element type of a producer over columns `C`: a tuple of components for a list of
 * columns, a record of components with the same keys for a record of columns.
 *
 * @example
 * ```ts
 * type E = ElementOfColumns<[Float32Array, Int32Array]>; // [Component, Component]
 * ```
 */
export type ElementOfColumns<C extends Columns> = { -readonly [K in keyof C]: Component };

/**
 * Produces one example at a time from columns that share their first dimension (TensorFlow's
 * `slice_input_producer`): a tuple of rows for a list of columns, a record of rows for a record
 * of columns. Rows stay aligned (one index per example), are numbers or strings for rank-1
 * columns and typed-array views (no copy) otherwise. Each epoch is a fresh permutation when
 * `shuffle` is on. The columns stay the caller's (tensors are read, never disposed).
 *
 * Unlike TensorFlow, columns with different first dimensions are rejected. The element type
 * follows the columns (a tuple or record of components); give it explicitly, e.g.
 * `sliceInputProducer<[Float32Array, number]>(...)`, for precise component types.
 *
 * `batch` reads this source a block of rows at a time (see {@link SliceSource}); with
 * `workers`, those rows are gathered, and `workerMap` run, on worker threads.
 *
 * @example
 * ```ts
 * const examples = sliceInputProducer([images, labels], { numEpochs: 20, seed: 7 });
 * const batches = batch(examples, { batchSize: 100, numThreads: 2 });
 * const offMain = sliceInputProducer([images, labels], { numEpochs: 20, workers: 1 });
 * ```
 */
export function sliceInputProducer<E extends Element = never, const C extends Columns = Columns>(
  tensorList: C,
  options?: SliceInputProducerOptions,
): SliceSource<[E] extends [never] ? ElementOfColumns<C> : E> {
  const set = readColumns(tensorList, 'tensorList');
  return new SliceSource(set, options, gatheringOf(options), 'tensorList');
}
