/** What drains queues: batchers, the plain generator baseline, tfjs adapters, the training loop. */
export type { BatchOptions, ShuffleBatchOptions, MaybeBatchOptions } from './batch-options.js';
export type { BatchFor } from './batch-types.js';
export { BatchSource } from './batch-source.js';
export { batch } from './batch.js';
export { shuffleBatch } from './shuffle-batch.js';
export { batchJoin } from './batch-join.js';
export { shuffleBatchJoin } from './shuffle-batch-join.js';
export { maybeBatch } from './maybe-batch.js';
export { batchIter, type BatchIterOptions } from './batch-iter.js';
export { toDataset } from './to-dataset.js';
export { trainLoop, type TrainLoopOptions } from './train-loop.js';
