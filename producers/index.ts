/** What fills queues: epoch limits, producers, columns, IDX and MNIST loaders. */
export { limitEpochs } from './limit-epochs.js';
export type { ProducerOptions } from './producer-options.js';
export { IndexSource } from './index-source.js';
export { inputProducer, type InputProducerOptions } from './input-producer.js';
export { rangeInputProducer } from './range-input-producer.js';
export { stringInputProducer } from './string-input-producer.js';
export {
  sliceInputProducer,
  type ElementOfColumns,
  type SliceInputProducerOptions,
  type WorkerMapModule,
} from './slice-input-producer.js';
export { SliceSource } from './slice-source.js';
export type { WorkerMapFn, WorkerMapInfo } from './worker-map.js';
export { ColumnReader, readColumns, type Column, type Columns, type ColumnSet } from './columns.js';
export { parseIdx, readIdxFile, type IdxArray } from './idx.js';
export {
  loadMnist,
  loadMnistSplit,
  splitTrainHeldOut,
  type MnistData,
  type MnistSplit,
  type MnistOptions,
} from './mnist.js';
export { loadEmbeddedFashionMnist, embeddedDataDir } from './embedded-data.js';
