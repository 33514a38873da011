import type { ArrayBatch, OutputMode } from './element.js';
import { rebuild, type ElementSpec } from './element-spec.js';
import { isVariable } from './row-shape.js';
import { toTensors } from './batch-assembler.js';
import type { Tensor } from '@tensorflow/tfjs';
import { tensorsInPlace, type NumericTensorSpec } from './tensor-memory.js';
import { tf } from './tf.js';
import type { BlockingOptions } from './types.js';

/**
 * Consecutive examples stored column-wise: per component, one array holding the rows one
 * after another (`Float32Array` / `Int32Array` for numbers, `string[]` for strings). Moving
 * examples as blocks costs one promise and one array per component per block instead of an
 * element, a view and a queue slot per example.
 *
 * @example
 * ```ts
 * const block: RowBlock = { length: 2, columns: [new Float32Array(4), new Int32Array([3, 1])] };
 * ```
 */
export interface RowBlock {
  /** Number of examples. */
  readonly length: number;
  /** One array per component, in the spec's order; `length * rowSize` values each. */
  readonly columns: readonly (Float32Array | Int32Array | string[])[];
  /**
   * Present when the arrays are recycled (see `BlockBuffers`): call it once they are no
   * longer needed; until then they are the block's, afterwards they are reused.
   */
  readonly release?: (() => void) | undefined;
  /**
   * Present when the arrays are filled by another thread after the block was handed out:
   * call it before reading them. It returns once the rows are there (at once if they
   * already are), and throws if filling them failed.
   */
  readonly settle?: (() => void) | undefined;
  /**
   * Present when the rows are not copied yet (a main-thread gather defers its copy to the
   * consumer): writes them straight into `targets`, one array per component with
   * `length * rowSize` values, e.g. a tensor's own memory. Reading `columns` instead copies
   * them into fresh arrays.
   */
  readonly copyInto?: ((targets: readonly (Float32Array | Int32Array)[]) => void) | undefined;
}

/**
 * A source that can also hand over its examples as blocks: the batchers use this path when
 * no per-example work (a `map`, `keepInput`, padding or shuffling) stands between the source
 * and the batch. `readBlock(n)` gives the next `n` examples in the source's order (fewer only
 * when the input ends: the remainder; then `OutOfRangeError`), atomically toward other callers.
 *
 * @example
 * ```ts
 * if (isBlockSource(source)) {
 *   const block = await source.readBlock(100, { signal });
 * }
 * ```
 */
export interface BlockSource {
  /** The spec every block follows (fixed row shapes, numeric or string rows). */
  readonly elementSpec: ElementSpec;
  /** The next 1..n examples as a block (see the interface). */
  readBlock(n: number, options?: BlockingOptions): Promise<RowBlock>;
}

/**
 * Whether `source` offers {@link BlockSource.readBlock} with a spec the block path can batch
 * (every component of fixed shape).
 *
 * @example
 * ```ts
 * isBlockSource(sliceInputProducer([images, labels])); // true
 * ```
 */
export function isBlockSource(source: unknown): source is BlockSource {
  if (source === null || typeof source !== 'object') return false;
  const s = source as Partial<BlockSource>;
  return (
    typeof s.readBlock === 'function' &&
    s.elementSpec !== undefined &&
    s.elementSpec.components.every((c) => !isVariable(c.shape))
  );
}

/**
 * Turns a block into a batch of the spec's form: one `tf.Tensor` per component of shape
 * `[b, ...rowShape]`, or `{ data, shape }` with `output: 'arrays'`. A block that owns its
 * arrays hands them over (no copy). A block not copied yet (with `copyInto`) is copied straight
 * into its tensors' memory on the wasm backend, so its rows are copied once. A recycled block
 * (with `release`) is released: on the wasm backend straight after its tensors are made (wasm
 * copies the data into its own memory), elsewhere after its arrays were copied, since the cpu
 * and tensorflow backends keep a reference to the array a tensor is made from.
 *
 * @example
 * ```ts
 * const [x, y] = blockToBatch(block, spec, 'tensor') as Tensor[];
 * ```
 */
export function blockToBatch(block: RowBlock, spec: ElementSpec, output: OutputMode): unknown {
  block.settle?.();
  const inPlace = output === 'tensor' ? writeInPlace(block, spec) : undefined;
  if (inPlace !== undefined) return rebuild(spec.structure, inPlace);
  const release = block.release;
  const copy = release !== undefined && (output === 'arrays' || tf.getBackend() !== 'wasm');
  const parts: ArrayBatch[] = spec.components.map((c, k) => {
    const data = block.columns[k]!;
    return {
      data: copy ? data.slice() : data,
      shape: [block.length, ...(c.shape as readonly number[])],
    };
  });
  try {
    if (output === 'arrays') return rebuild(spec.structure, parts);
    return rebuild(spec.structure, toTensors(parts, spec.components));
  } finally {
    release?.();
  }
}

/** The block's tensors written in place (see `tensorsInPlace`), when the backend and spec allow. */
function writeInPlace(block: RowBlock, spec: ElementSpec): Tensor[] | undefined {
  const copyInto = block.copyInto;
  if (copyInto === undefined) return undefined;
  const specs: NumericTensorSpec[] = [];
  for (const c of spec.components) {
    if (c.dtype === 'string') return undefined;
    specs.push({ shape: [block.length, ...(c.shape as readonly number[])], dtype: c.dtype });
  }
  return tensorsInPlace(specs, copyInto);
}
