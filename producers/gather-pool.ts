import { Piscina } from 'piscina';
import type { ElementSpec } from '../src/element-spec.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { RowBlock } from '../src/row-block.js';
import type { RowReader } from '../src/row-reader.js';
import { describeValue } from '../src/validate.js';
import { BlockBuffers } from '../src/block-buffers.js';
import { STORED_ARRAYS, storedType, type StoredRows } from '../src/copy-rows.js';
import type { GatherSetup, GatherTask, SharedColumn, WorkerMapRef } from './gather-task.js';

/**
 * Puts a column where worker threads can read it: as is when its data already lives in a
 * `SharedArrayBuffer`, else copied once into one (plain number arrays become `Float32Array`).
 */
/**
 * Throws `InvalidArgumentError` unless every column is numeric (strings cannot be shared).
 *
 * @example
 * ```ts
 * assertShareable(set.readers, 'tensorList');
 * ```
 */
export function assertShareable(readers: readonly RowReader[], argName: string): void {
  readers.forEach((r, c) => {
    if (r.dtype === 'string') {
      throw new InvalidArgumentError(
        `Expected numeric columns with \`workers\` (strings cannot be shared with worker ` +
          `threads), got strings in column ${c} of \`${argName}\`, e.g. ${describeValue(r.data[0])}`,
      );
    }
  });
}

/**
 * Puts a column where worker threads can read it (see above).
 *
 * @example
 * ```ts
 * const shared = share(set.readers[0]);
 * ```
 */
export function share(reader: RowReader): SharedColumn {
  const data = reader.data;
  let stored: StoredRows;
  const type = storedType(data);
  if (type !== undefined && (data as StoredRows).buffer instanceof SharedArrayBuffer) {
    stored = data as StoredRows;
  } else {
    const Ctor =
      type === undefined ? Float32Array : (STORED_ARRAYS[type] as Float32ArrayConstructor);
    const copy = new Ctor(new SharedArrayBuffer(data.length * Ctor.BYTES_PER_ELEMENT));
    copy.set(data as ArrayLike<number>);
    stored = copy;
  }
  return {
    buffer: stored.buffer as SharedArrayBuffer,
    byteOffset: stored.byteOffset,
    length: stored.length,
    // `stored` is the column itself (of `type`) or a copy in the same type (Float32Array for
    // plain number arrays).
    type: type ?? 'Float32Array',
    rowSize: reader.rowSize,
    // Strings never get here: the pool's constructor rejects them.
    dtype: reader.dtype === 'int32' ? 'int32' : 'float32',
  };
}

/**
 * A worker module beside this file: the compiled `.js`, or the `.ts` source under tsx/jest
 * (loaded through tsx in the worker).
 *
 * @example
 * ```ts
 * const { filename, execArgv } = workerFile('ring-worker');
 * ```
 */
export function workerFile(name = 'gather-worker'): { filename: string; execArgv?: string[] } {
  const isTs = import.meta.url.endsWith('.ts');
  const filename = new URL(`./${name}.${isTs ? 'ts' : 'js'}`, import.meta.url).href;
  return isTs ? { filename, execArgv: [...process.execArgv, '--import', 'tsx'] } : { filename };
}

/**
 * Options of {@link GatherPool}.
 *
 * @example
 * ```ts
 * const options: GatherPoolOptions = { workers: 2 };
 * ```
 */
export interface GatherPoolOptions {
  /** Worker threads (>= 1). */
  readonly workers: number;
  /** The per-example function the workers run after gathering, if any. */
  readonly map?: WorkerMapRef | undefined;
}

/**
 * A producer's gather workers (a piscina pool): each task copies a block of rows out of the
 * columns (shared with the workers once) into recycled shared buffers and runs the optional
 * worker map there, so the main thread only receives finished blocks.
 *
 * The pool starts with the first task. `shutdown()` ends it once the tasks in flight have
 * settled; idle worker threads never keep the process alive.
 *
 * @example
 * ```ts
 * const pool = new GatherPool(set.readers, set.spec, { workers: 2 }, 'tensorList');
 * const block = await pool.gather([3, 1, 2], 0);
 * await pool.shutdown();
 * ```
 */
export class GatherPool {
  readonly #readers: readonly RowReader[];
  readonly #spec: ElementSpec;
  readonly #options: GatherPoolOptions;
  #columns: SharedColumn[] | undefined;
  readonly #buffers: BlockBuffers;
  #piscina: Piscina<GatherTask, void> | undefined;
  #inFlight = 0;
  #ending = false;

  /**
   * @param readers the producer's columns (numeric only: strings cannot be shared).
   * @param spec the examples' spec (structure and row shapes, for the map).
   * @param options worker count and map.
   * @param argName the columns' name in error messages.
   */
  constructor(
    readers: readonly RowReader[],
    spec: ElementSpec,
    options: GatherPoolOptions,
    argName: string,
  ) {
    assertShareable(readers, argName);
    this.#readers = readers;
    this.#spec = spec;
    this.#buffers = new BlockBuffers(readers);
    this.#options = options;
  }

  /**
   * Gathers rows `indices` (stream positions from `first`) into one block on a worker.
   *
   * @example
   * ```ts
   * const block = await pool.gather([4, 0], 100);
   * ```
   */
  async gather(indices: readonly number[], first: number): Promise<RowBlock> {
    const pool = this.#pool();
    const block = this.#buffers.acquire(indices.length);
    const task: GatherTask = {
      out: block.columns.map((c) => ({
        buffer: c.buffer as SharedArrayBuffer,
        byteOffset: c.byteOffset,
      })),
      indices: Int32Array.from(indices),
      first,
    };
    this.#inFlight++;
    try {
      await pool.run(task, { transferList: [task.indices.buffer as ArrayBuffer] });
      return block;
    } catch (error) {
      block.release();
      throw error;
    } finally {
      this.#inFlight--;
      if (this.#ending && this.#inFlight === 0) this.#destroy();
    }
  }

  /**
   * Ends the pool: now if no task is in flight (or with `force`, which abandons them: a stop
   * or a failure, where their results would be discarded anyway, and a hung map must not
   * keep its thread), else when the last one settles.
   *
   * @example
   * ```ts
   * pool.shutdown(); // at the end of input
   * pool.shutdown(true); // at a stop
   * ```
   */
  shutdown(force = false): void {
    this.#ending = true;
    if (force || this.#inFlight === 0) this.#destroy();
  }

  #pool(): Piscina<GatherTask, void> {
    if (this.#piscina === undefined) {
      this.#columns ??= this.#readers.map(share);
      const n = this.#options.workers;
      const setup: GatherSetup = {
        columns: this.#columns,
        structure: this.#spec.structure,
        shapes: this.#spec.components.map((c) => c.shape as readonly number[]),
        map: this.#options.map,
      };
      this.#piscina = new Piscina<GatherTask, void>({
        ...workerFile(),
        workerData: setup,
        minThreads: 0,
        maxThreads: n,
        // A pool that is never shut down (a consumer that walked away after the producer had
        // finished) still lets its threads go once idle.
        idleTimeout: 5000,
        // A second task waits in the worker's own queue, so it starts the moment the first
        // ends instead of a message round trip later. (Tasks still run one after another.)
        concurrentTasksPerWorker: 2,
      });
      this.#ending = false;
    }
    return this.#piscina;
  }

  #destroy(): void {
    const pool = this.#piscina;
    this.#piscina = undefined;
    if (pool !== undefined) void pool.destroy();
  }
}
