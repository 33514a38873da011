const counts = new Map<string, number>();

/**
 * A name unique in this process: `base`, then `base_1`, `base_2`... (TensorFlow's op names).
 * Queues, producers and batchers use it for their default names, so runner threads and error
 * messages tell stages apart.
 *
 * @example
 * ```ts
 * uniqueName('batch'); // 'batch', then 'batch_1'
 * ```
 */
export function uniqueName(base: string): string {
  const n = counts.get(base) ?? 0;
  counts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}
