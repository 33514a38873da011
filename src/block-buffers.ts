import type { RowBlock } from './row-block.js';

/**
 * The layout of one component in a block: values per row and the array type.
 *
 * @example
 * ```ts
 * const image: BlockColumnLayout = { rowSize: 784, dtype: 'float32' };
 * ```
 */
export interface BlockColumnLayout {
  readonly rowSize: number;
  readonly dtype: 'float32' | 'int32';
}

/**
 * A block whose numeric arrays go back to their {@link BlockBuffers} on `release()`.
 *
 * @example
 * ```ts
 * const block: RecycledBlock = buffers.acquire(100);
 * ```
 */
export interface RecycledBlock extends RowBlock {
  readonly columns: readonly (Float32Array | Int32Array)[];
  readonly release: () => void;
}

/** One reusable set of arrays: one per component, for `rows` examples. */
interface Slot {
  readonly rows: number;
  readonly columns: (Float32Array | Int32Array)[];
}

/**
 * Recycles the arrays of numeric blocks. Fresh memory is expensive (every new page is zeroed
 * and mapped on first touch, ~12 µs per 4 KiB on the machines measured), and a batch of 100
 * Fashion-MNIST rows is 77 pages: allocating one per batch costs as much as gathering it. A
 * block from `acquire` carries a `release` that returns its arrays for the next block, once
 * whoever holds the block no longer needs them (e.g. once the wasm backend has copied them
 * into a tensor).
 *
 * With `shared`, the arrays live in `SharedArrayBuffer`s, so worker threads can fill them.
 *
 * @example
 * ```ts
 * const buffers = new BlockBuffers([{ rowSize: 784, dtype: 'float32' }, { rowSize: 1, dtype: 'int32' }], false);
 * const block = buffers.acquire(100);
 * // ...fill block.columns, use them...
 * block.release?.();
 * ```
 */
export class BlockBuffers {
  readonly #layout: readonly BlockColumnLayout[];
  readonly #shared: boolean;
  readonly #free: Slot[] = [];

  /**
   * @param layout one entry per component.
   * @param shared allocate `SharedArrayBuffer`s (for worker threads).
   */
  constructor(layout: readonly BlockColumnLayout[], shared: boolean) {
    this.#layout = layout;
    this.#shared = shared;
  }

  /** A block of `rows` examples whose arrays are reused after its `release()`. */
  acquire(rows: number): RecycledBlock {
    const k = this.#free.findIndex((s) => s.rows === rows);
    const slot = k >= 0 ? this.#free.splice(k, 1)[0]! : this.#allocate(rows);
    let released = false;
    return {
      length: rows,
      columns: slot.columns,
      release: () => {
        if (released) return;
        released = true;
        this.#free.push(slot);
      },
    };
  }

  #allocate(rows: number): Slot {
    const columns = this.#layout.map(({ rowSize, dtype }) => {
      const n = rows * rowSize;
      const buffer = this.#shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4);
      return dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
    });
    return { rows, columns };
  }
}
