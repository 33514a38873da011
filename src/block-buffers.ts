import { blockView } from './copy-rows.js';
import type { RowBlock } from './row-block.js';
import type { RowReader } from './row-reader.js';

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

/**
 * One array per numeric column for `rows` examples, each over its own `SharedArrayBuffer`
 * (so worker threads can fill it): `Int32Array` for int32 columns, else `Float32Array`.
 *
 * @example
 * ```ts
 * const [images, labels] = sharedColumns(set.readers, 100);
 * ```
 */
export function sharedColumns(
  readers: readonly RowReader[],
  rows: number,
): (Float32Array | Int32Array)[] {
  return readers.map((r) => blockView(r.dtype, new SharedArrayBuffer(rows * r.rowSize * 4)));
}

/** One reusable set of arrays: one per component, for `rows` examples. */
interface Slot {
  readonly rows: number;
  readonly columns: (Float32Array | Int32Array)[];
}

/**
 * Recycles the shared arrays that worker threads fill with blocks of numeric rows. Fresh
 * memory is expensive (every new page is zeroed and mapped on first touch, ~12 µs per 4 KiB on
 * the machines measured), and a batch of 100 Fashion-MNIST rows is 77 pages: allocating one
 * per batch costs as much as gathering it. A block from `acquire` carries a `release` that
 * returns its arrays for the next block, once whoever holds the block no longer needs them
 * (e.g. once the wasm backend has copied them into a tensor).
 *
 * @example
 * ```ts
 * const buffers = new BlockBuffers(set.readers);
 * const block = buffers.acquire(100);
 * // ...fill block.columns, use them...
 * block.release();
 * ```
 */
export class BlockBuffers {
  readonly #readers: readonly RowReader[];
  readonly #free: Slot[] = [];

  /** @param readers the columns the blocks hold rows of (numeric only). */
  constructor(readers: readonly RowReader[]) {
    this.#readers = readers;
  }

  /** A block of `rows` examples whose arrays are reused after its `release()`. */
  acquire(rows: number): RecycledBlock {
    const k = this.#free.findIndex((s) => s.rows === rows);
    const slot =
      k >= 0 ? this.#free.splice(k, 1)[0]! : { rows, columns: sharedColumns(this.#readers, rows) };
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
}
