import type { OutputMode } from '../src/element.js';
import type { ElementSpec } from '../src/element-spec.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { QueueRunner, type EnqueueOp } from '../src/queue-runner.js';
import { addQueueRunner, type QueueRunnerRegistry } from '../src/registry.js';
import type { BlockSource, RowBlock } from '../src/row-block.js';
import { Turns } from '../src/turns.js';
import { BatchSource, blockBatches } from './batch-source.js';

/**
 * Everything a block batcher needs, validated by `createBatcher`.
 *
 * @example
 * ```ts
 * const plan: BlockBatcherPlan = { name: 'batch', batchSize: 100, capacity: 32, numThreads: 2, allowSmallerFinalBatch: true, output: 'tensor', spec, registry, startTimeoutMs: 5000 };
 * ```
 */
export interface BlockBatcherPlan {
  readonly name: string;
  readonly batchSize: number;
  /** In examples, as for every batcher; the queue holds `ceil(capacity / batchSize)` blocks. */
  readonly capacity: number;
  readonly numThreads: number;
  readonly allowSmallerFinalBatch: boolean;
  readonly output: OutputMode;
  readonly spec: ElementSpec;
  readonly registry: QueueRunnerRegistry;
  readonly startTimeoutMs: number;
  readonly stepTimeoutMs?: number | undefined;
}

/**
 * `batch` over a {@link BlockSource} with nothing per-example in between: each of the
 * `numThreads` tasks reads the next `batchSize` examples as one block (gathered on the main
 * thread or on the producer's workers) and enqueues it whole, so a batch costs one queue slot
 * and one tensor per component, not an element per example.
 *
 * The tasks take their blocks in turn and deliver them in the same turn order, so the batches
 * come in the source's order whatever `numThreads` (and however many workers gather them):
 * the same sequence as one thread. Only the final block can be short: it becomes the smaller
 * final batch with `allowSmallerFinalBatch`, and is dropped without.
 *
 * @example
 * ```ts
 * const batches = createBlockBatcher(sliceInputProducer([x, y]), plan);
 * ```
 */
export function createBlockBatcher<B>(source: BlockSource, plan: BlockBatcherPlan): BatchSource<B> {
  const { batchSize, allowSmallerFinalBatch } = plan;
  const queue = new FIFOQueue<RowBlock>({
    capacity: Math.max(1, Math.ceil(plan.capacity / batchSize)),
    name: plan.name,
  });
  const turns = new Turns();
  const op: EnqueueOp = async ({ signal, untimed }) => {
    // Reserved before the read: reads are served in call order, so turns follow the input.
    const turn = turns.reserve();
    try {
      const block = await source.readBlock(batchSize, { signal });
      if (block.length < batchSize && !allowSmallerFinalBatch) {
        block.release?.();
        return;
      }
      // Waiting for earlier blocks and for room is backpressure, never a stuck step.
      await untimed(turn.ready(signal));
      await untimed(queue.enqueue(block, { signal }));
    } finally {
      turn.release();
    }
  };
  const ops = Array.from({ length: plan.numThreads }, () => op);
  addQueueRunner(
    new QueueRunner<RowBlock>({
      queue,
      enqueueOps: ops,
      startTimeoutMs: plan.startTimeoutMs,
      stepTimeoutMs: plan.stepTimeoutMs,
    }),
    plan.registry,
  );
  return new BatchSource<B>(queue, batchSize, blockBatches(queue, plan.spec, plan.output));
}
