import type { Tensor } from '@tensorflow/tfjs';
import type { ArrayBatch, BatchOf, Element } from '../src/element.js';

/**
 * What a batcher gives for elements `E`: `tf.Tensor` components by default, `ArrayBatch`
 * components with `{ output: 'arrays' }`.
 *
 * @example
 * ```ts
 * type B = BatchFor<[Float32Array, number], { batchSize: 10 }>; // [Tensor, Tensor]
 * ```
 */
export type BatchFor<E extends Element, O> = O extends { readonly output: 'arrays' }
  ? BatchOf<E, ArrayBatch>
  : BatchOf<E, Tensor>;
