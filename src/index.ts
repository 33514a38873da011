/** The runtime: errors, queues, coordinator, runners, registry, sources, element helpers, tf. */
export {
  PipelineError,
  OutOfRangeError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  FailedPreconditionError,
  ThreadsStillRunningError,
} from './errors.js';
export type { BlockingOptions, Thread } from './types.js';
export type { Queue, FedQueue, CloseOptions } from './queue.js';
export { FIFOQueue } from './queues/fifo-queue.js';
export {
  RandomShuffleQueue,
  type RandomShuffleQueueOptions,
} from './queues/random-shuffle-queue.js';
export { PaddingFIFOQueue, type PaddingFIFOQueueOptions } from './queues/padding-fifo-queue.js';
export { PriorityQueue, type PriorityElement } from './queues/priority-queue.js';
export { notEnqueued, type QueueOptions } from './queues/queue-base.js';
export { Coordinator, type CoordinatorOptions, type JoinOptions } from './coordinator.js';
export { LooperThread, type LooperThreadOptions } from './looper-thread.js';
export {
  QueueRunner,
  type QueueRunnerOptions,
  type EnqueueOp,
  type QueueCloseOp,
  type StepContext,
} from './queue-runner.js';
export { failedStage } from './stage.js';
export {
  QueueRunnerRegistry,
  defaultRegistry,
  addQueueRunner,
  startQueueRunners,
  type StartQueueRunnersOptions,
} from './registry.js';
export type { ErrorClass } from './error-classes.js';
export { SourceBase, MappedSource, type Source, type MapFn } from './source.js';
export { isBlockSource, type BlockSource, type RowBlock } from './row-block.js';
export type {
  TypedArray,
  Component,
  ComponentRecord,
  Element,
  ArrayBatch,
  OutputMode,
  BatchOf,
} from './element.js';
export type {
  DType,
  ComponentSpec,
  ElementSpec,
  ElementStructure,
  Shapes,
  RowShape,
} from './element-spec.js';
export { disposeTensorsIn } from './dispose.js';
export type { Tensor } from '@tensorflow/tfjs';
export { tf, tfImpl, useBackend, type Tf, type TfImpl, type BackendName } from './tf.js';
