/**
 * What a worker map learns about the example it transforms.
 *
 * @example
 * ```ts
 * export default function augment(example: [Float32Array, number], info: WorkerMapInfo) {
 *   if (info.random() < 0.5) flipInPlace(example[0]);
 * }
 * ```
 */
export interface WorkerMapInfo {
  /** The example's row index in the producer's columns. */
  readonly index: number;
  /** How many examples the producer gave out before this one, over all epochs. */
  readonly position: number;
  /**
   * A uniform float in `[0, 1)` from a generator seeded by the producer's seed and
   * `position`: the same example at the same position gets the same numbers whichever worker
   * runs it, so results do not depend on the number of workers or on timing.
   */
  random(): number;
}

/**
 * The per-example function a producer's worker threads run (the module's export named by
 * `workerMap`). It gets the example as a tuple or record of rows (typed-array views into the
 * batch being built: edit them in place and return nothing) or numbers for scalar rows, and
 * may instead return a new example of the same form and row sizes. Sync or async.
 *
 * @example
 * ```ts
 * // augment.ts, loaded in the workers
 * const map: WorkerMapFn<[Float32Array, number]> = ([image]) => {
 *   for (let i = 0; i < image.length; i++) image[i] = image[i]! * 2 - 1;
 * };
 * export default map;
 * ```
 */
export type WorkerMapFn<E> = (example: E, info: WorkerMapInfo) => E | void | Promise<E | void>;
