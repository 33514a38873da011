import { tf } from './tf.js';

/**
 * Disposes every `tf.Tensor` inside `value` (a tensor, or arrays and plain objects holding
 * tensors, at any depth). Other values are left alone. Used wherever the pipeline drops
 * something it owns: a tail that is not batched, what is left in a queue at a stop, a late
 * result of an abandoned call.
 *
 * @example
 * ```ts
 * disposeTensorsIn([tf.scalar(1), { b: tf.scalar(2) }, 3]); // disposes both tensors
 * ```
 */
export function disposeTensorsIn(value: unknown): void {
  if (value instanceof tf.Tensor) {
    value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeTensorsIn(v);
  } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const v of Object.values(value)) disposeTensorsIn(v);
    }
  }
}
