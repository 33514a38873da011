import type { Component } from '../src/element.js';
import type { ElementSpec } from '../src/element-spec.js';
import { rebuild } from '../src/rebuild.js';
import { untilAborted } from '../src/abort.js';
import { CancelledError, OutOfRangeError } from '../src/errors.js';
import type { BlockSource, RowBlock } from '../src/row-block.js';
import type { BlockingOptions } from '../src/types.js';
import type { ColumnSet } from './columns.js';
import { deferredGather } from './gather.js';
import { GatherPool } from './gather-pool.js';
import { GatherRing } from './gather-ring.js';
import type { WorkerMapRef } from './gather-task.js';
import { IndexSource } from './index-source.js';
import type { ProducerOptions } from './producer-options.js';

/**
 * How a slice producer gathers rows: on the main thread (`workers: 0`), or on worker threads,
 * optionally running a per-example map there.
 *
 * @example
 * ```ts
 * const gathering: Gathering = { workers: 2, map: { module: 'file:///app/augment.js', exportName: 'default', seed: 7 } };
 * ```
 */
export interface Gathering {
  readonly workers: number;
  readonly map?: WorkerMapRef | undefined;
}

/**
 * The source `sliceInputProducer` returns: an {@link IndexSource} over columns that can also
 * hand out whole blocks of rows ({@link BlockSource}), which is how `batch` moves examples
 * without a per-example element, view or queue slot. With `workers`, the rows are gathered
 * (and mapped, with `workerMap`) on worker threads, so the main thread only receives
 * finished blocks; per-example `dequeue` then also goes through the workers, so every
 * consumer sees mapped examples.
 *
 * @example
 * ```ts
 * const source = sliceInputProducer([images, labels], { numEpochs: 1, workers: 1 });
 * const block = await source.readBlock(100); // rows of 100 examples, gathered on a worker
 * ```
 */
export class SliceSource<E> extends IndexSource<E> implements BlockSource {
  readonly #set: ColumnSet;
  readonly #pool: GatherPool | undefined;
  readonly #ring: GatherRing | undefined;
  /** Reads already started for the ring workers (see `readBlock`). */
  readonly #ahead: { done: boolean; readonly promise: Promise<RowBlock> }[] = [];
  readonly #mapped: boolean;
  /** The main-thread gather (without workers). */
  readonly #gather: (indices: ArrayLike<number>) => RowBlock;

  /**
   * @param set the producer's columns, read.
   * @param options the producer's options.
   * @param gathering where rows are gathered (validated by the caller).
   * @param argName the columns' name in messages.
   */
  constructor(
    set: ColumnSet,
    options: ProducerOptions | undefined,
    gathering: Gathering,
    argName: string,
  ) {
    // A map runs on a piscina pool (tasks may be slow or fail); a plain gather on ring workers
    // (no message per batch).
    const pool =
      gathering.workers > 0 && gathering.map !== undefined
        ? new GatherPool(set.readers, set.spec, gathering, argName)
        : undefined;
    const ring =
      gathering.workers > 0 && gathering.map === undefined
        ? new GatherRing(set.readers, gathering.workers, argName)
        : undefined;
    super(
      set.length,
      (i) => set.element(i) as E,
      options,
      'slice_input_producer',
      set.spec,
      pool === undefined && ring === undefined
        ? undefined
        : () => {
            pool?.shutdown(true);
            ring?.close();
          },
    );
    this.#set = set;
    this.#pool = pool;
    this.#ring = ring;
    this.#mapped = gathering.map !== undefined;
    this.#gather = deferredGather(set.readers);
  }

  override get elementSpec(): ElementSpec {
    return this.#set.spec;
  }

  /**
   * The next `n` examples as one block (fewer only for the remainder at the end of input,
   * then `OutOfRangeError`), taken atomically toward other callers.
   *
   * @example
   * ```ts
   * const { length, columns: [x, y] } = await source.readBlock(100);
   * ```
   */
  async readBlock(n: number, options?: BlockingOptions): Promise<RowBlock> {
    if (this.#ring === undefined) return this.#read(n, true, options);
    // Read-ahead: keep READ_AHEAD more reads going than asked for, so the workers copy a
    // block while the main thread still trains on earlier ones. Reads start (and take their
    // indices) in call order and are handed out in that order.
    while (this.#ahead.length < 1 + READ_AHEAD) {
      const read = { done: false, promise: this.#read(n, true) };
      const done = (): void => {
        read.done = true;
      };
      read.promise.then(done, done); // a failure is reported to the caller that takes it
      this.#ahead.push(read);
    }
    const next = this.#ahead.shift()!;
    // A read that is done already needs no abort wiring (the common case, reads run ahead).
    return options?.signal === undefined || next.done
      ? next.promise
      : untilAborted(next.promise, options.signal, 'Read cancelled');
  }

  override async dequeue(options?: BlockingOptions): Promise<E> {
    if (!this.#mapped) return super.dequeue(options);
    return this.#unpack(await this.#read(1, true, options))[0]!;
  }

  override async dequeueUpTo(n: number, options?: BlockingOptions): Promise<E[]> {
    if (!this.#mapped) return super.dequeueUpTo(n, options);
    return this.#unpack(await this.#read(n, false, options));
  }

  async #read(n: number, exact: boolean, options?: BlockingOptions): Promise<RowBlock> {
    let taken: { indices: number[]; first: number };
    try {
      taken = await this.takeIndices(n, exact, options);
    } catch (error) {
      // The end of input, or a stop: the workers are no longer needed.
      if (error instanceof OutOfRangeError || error instanceof CancelledError) {
        this.#pool?.shutdown();
        // After the other takes that settled in this turn have handed over their rows.
        const ring = this.#ring;
        if (ring !== undefined) setImmediate(() => ring.close());
      }
      throw error;
    }
    const { indices, first } = taken;
    if (this.#ring !== undefined) {
      await this.#ring.ready();
      return this.#ring.gather(indices);
    }
    return this.#pool === undefined ? this.#gather(indices) : this.#pool.gather(indices, first);
  }

  /** The examples of a block, as elements: numbers for scalar rows, views for the others. */
  #unpack(block: RowBlock): E[] {
    const { structure, components } = this.#set.spec;
    block.settle?.();
    // Elements outlive the block: recycled arrays are copied before they are given back.
    const columns =
      block.release === undefined ? block.columns : block.columns.map((c) => c.slice());
    block.release?.();
    const out = new Array<E>(block.length);
    for (let j = 0; j < block.length; j++) {
      const parts: Component[] = columns.map((col, c) => {
        const shape = components[c]!.shape;
        if (shape.length === 0) return col[j]!;
        const size = this.#set.readers[c]!.rowSize;
        return (col as Float32Array | Int32Array).subarray(j * size, (j + 1) * size);
      });
      out[j] = rebuild(structure, parts) as E;
    }
    return out;
  }
}

/** Reads started ahead of the callers when gathering on ring workers. */
const READ_AHEAD = 2;
