/**
 * queuefeed: TensorFlow 1's queue input pipeline for TensorFlow.js in Node.js.
 *
 * @example
 * ```ts
 * import { sliceInputProducer, batch, Coordinator, startQueueRunners, OutOfRangeError, tf } from 'queuefeed';
 * ```
 *
 * @packageDocumentation
 */
export * from './src/index.js';
export * from './producers/index.js';
export * from './consumers/index.js';
