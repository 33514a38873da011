import type { Tensor } from '@tensorflow/tfjs';
import { tf } from './tf.js';

/**
 * The shape and dtype of a numeric tensor to be written in place.
 *
 * @example
 * ```ts
 * const images: NumericTensorSpec = { shape: [100, 784], dtype: 'float32' };
 * ```
 */
export interface NumericTensorSpec {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
}

/** A tensor's data as the wasm backend stores it. */
interface TensorInfo {
  readonly dataId: object;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
}

/**
 * The part of tfjs's wasm backend that kernels use to write their outputs: memory for a
 * tensor on the wasm heap, and a typed-array view of it.
 */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

function heapBackend(): HeapBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof backend.makeOutput === 'function' &&
    typeof backend.typedArrayFromHeap === 'function' &&
    typeof backend.disposeData === 'function'
    ? (backend as HeapBackend)
    : undefined;
}

/**
 * New tensors written in place: `fill` gets one typed array per spec that *is* the tensor's
 * memory, and the tensors are returned once it has written them. On the wasm backend this
 * is the tensor's memory on the wasm heap, as a kernel writes its output, so a batch is copied
 * once (rows into the tensor) instead of twice (rows into an array, the array into the heap).
 * Returns `undefined` on the other backends, which make tensors from arrays without that
 * second copy or with their own (cpu keeps the array; tensorflow copies it natively): the
 * caller then builds its arrays and calls `tf.tensor`.
 *
 * `fill` must not allocate tensors: a growing wasm heap moves, which detaches the views.
 * If it throws, the memory is freed and the error is rethrown.
 *
 * @example
 * ```ts
 * const made = tensorsInPlace([{ shape: [2, 3], dtype: 'float32' }], ([x]) => x!.fill(1));
 * made?.[0]!.dispose();
 * ```
 */
export function tensorsInPlace(
  specs: readonly NumericTensorSpec[],
  fill: (views: (Float32Array | Int32Array)[]) => void,
): Tensor[] | undefined {
  const backend = heapBackend();
  if (backend === undefined) return undefined;
  const infos: TensorInfo[] = [];
  try {
    for (const { shape, dtype } of specs) infos.push(backend.makeOutput([...shape], dtype));
    // Views only after every allocation: an allocation may grow (and so move) the heap.
    fill(infos.map((info) => backend.typedArrayFromHeap(info)));
  } catch (error) {
    for (const info of infos) backend.disposeData(info.dataId, true);
    throw error;
  }
  const engine = tf.engine();
  return infos.map((info) => engine.makeTensorFromTensorInfo(info, tf.backend()));
}
