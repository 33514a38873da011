import type { ElementStructure } from '../src/element-spec.js';
import type { StoredArrayType } from '../src/copy-rows.js';

export type { StoredArrayType } from '../src/copy-rows.js';

/**
 * One numeric column in shared memory, as a gather worker reads it.
 *
 * @example
 * ```ts
 * const col: SharedColumn = { buffer, byteOffset: 0, length: 60000 * 784, type: 'Float32Array', rowSize: 784, dtype: 'float32' };
 * ```
 */
export interface SharedColumn {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  /** Values in the column. */
  readonly length: number;
  readonly type: StoredArrayType;
  /** Values per row. */
  readonly rowSize: number;
  /** What the block holds: `Float32Array` for float32, `Int32Array` for int32. */
  readonly dtype: 'float32' | 'int32';
}

/**
 * The per-example function a gather worker runs, named by module and export.
 *
 * @example
 * ```ts
 * const map: WorkerMapRef = { module: 'file:///app/augment.js', exportName: 'default', seed: 7 };
 * ```
 */
export interface WorkerMapRef {
  /** The module's URL (`file:` URL or absolute path). */
  readonly module: string;
  readonly exportName: string;
  /** Mixed with each example's position into the seed of `info.random`. */
  readonly seed: number;
}

/**
 * What every gather worker of a pool is given once, at start (piscina's `workerData`): the
 * shared columns, the examples' form and the optional map. Tasks then carry only indices.
 *
 * @example
 * ```ts
 * const setup: GatherSetup = { columns, structure, shapes: [[784], []] };
 * ```
 */
export interface GatherSetup {
  readonly columns: readonly SharedColumn[];
  /** The examples' form, to build the element the map sees. */
  readonly structure: ElementStructure;
  /** Row shape of each column (`[]` for scalar rows, which the map sees as numbers). */
  readonly shapes: readonly (readonly number[])[];
  readonly map?: WorkerMapRef | undefined;
}

/**
 * One job for a gather worker: copy rows `indices` of every column into the output buffers,
 * then (optionally) run the per-example map over them.
 *
 * @example
 * ```ts
 * const task: GatherTask = { out, indices: Int32Array.from([5, 2]), first: 0 };
 * ```
 */
export interface GatherTask {
  /** Where to write: per column, a shared buffer for `indices.length * rowSize` values. */
  readonly out: readonly { readonly buffer: SharedArrayBuffer; readonly byteOffset: number }[];
  readonly indices: Int32Array;
  /** Stream position of `indices[0]` (examples given out before it, over all epochs). */
  readonly first: number;
}
