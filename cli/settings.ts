import type { ModelKind } from './models.js';

/**
 * The settings of a training run that every layer of the CLI shares: the parsed options carry
 * them, a run is made with them, and the JSON report records them.
 *
 * @example
 * ```ts
 * const s: TrainingSettings = { model: 'softmax', epochs: 30, batchSize: 100, threads: 2, workers: 0, capacity: 32, seed: 42 };
 * ```
 */
export interface TrainingSettings {
  model: ModelKind;
  epochs: number;
  batchSize: number;
  /** Runner threads of the batcher (queue method only). */
  threads: number;
  /** Worker threads gathering the batches (queue method only; 0: on the main thread). */
  workers: number;
  /** Capacity, in examples, of the producer's queue and of the batch queue (queue method only). */
  capacity: number;
  /** Seed of the initial weights and of the shuffling. */
  seed: number;
}

/**
 * Just the {@link TrainingSettings} of `source` (which may carry more), in their usual order.
 *
 * @example
 * ```ts
 * runMethod({ method: 'queue', data, ...trainingSettings(opts), logEvery: 1000, progress: 'lines', out });
 * ```
 */
export function trainingSettings(source: TrainingSettings): TrainingSettings {
  const { model, epochs, batchSize, threads, workers, capacity, seed } = source;
  return { model, epochs, batchSize, threads, workers, capacity, seed };
}
