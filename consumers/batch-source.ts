import type { Element, OutputMode } from '../src/element.js';
import { BatchAssembler, disposeElements } from '../src/batch-assembler.js';
import type { ElementSpec } from '../src/element-spec.js';
import { OutOfRangeError } from '../src/errors.js';
import type { FedQueue } from '../src/queue.js';
import { blockToBatch, type RowBlock } from '../src/row-block.js';
import { SourceBase } from '../src/source.js';
import type { BlockingOptions } from '../src/types.js';

/**
 * Where a batcher learns its elements' spec: from its source or `shapes` at construction, or
 * from the first element its runner threads see. Shared by the runner's ops (which check
 * every element against it) and the batch source (which assembles with it).
 */
export interface SpecCell {
  spec: ElementSpec | undefined;
}

/**
 * What a batcher returns: a source whose `dequeue()` gives one batch (a `tf.Tensor` per
 * component, or `{ data, shape }` with `output: 'arrays'`), in the elements' form, and which is
 * `for await`-iterable, ending at `OutOfRangeError`. Batches are the consumer's to dispose.
 *
 * @example
 * ```ts
 * for await (const [x, y] of batch(source, { batchSize: 100 })) {
 *   train(x, y);
 *   tf.dispose([x, y]);
 * }
 * ```
 */
export class BatchSource<B> extends SourceBase<B> implements AsyncIterable<B> {
  readonly #queue: FedQueue<unknown>;
  readonly #batchSize: number;
  readonly #next: (options?: BlockingOptions) => Promise<B>;

  /** Built by the batchers (see {@link elementBatches}, {@link blockBatches}); not constructed directly. */
  constructor(
    queue: FedQueue<unknown>,
    batchSize: number,
    next: (options?: BlockingOptions) => Promise<B>,
  ) {
    super();
    this.#queue = queue;
    this.#batchSize = batchSize;
    this.#next = next;
  }

  /** The batch queue (its name is the batcher's name): of examples, or of whole blocks. */
  get queue(): FedQueue<unknown> {
    return this.#queue;
  }

  /** Examples per batch. */
  get batchSize(): number {
    return this.#batchSize;
  }

  /**
   * Gives the next batch. At the end of input: `OutOfRangeError` (with `cause` when a stage
   * failed); without `allowSmallerFinalBatch` the last 1..batchSize-1 examples are dropped
   * (their tensors disposed), with it they come as one smaller batch first.
   *
   * @example
   * ```ts
   * const [x, y] = await batches.dequeue();
   * ```
   */
  dequeue(options?: BlockingOptions): Promise<B> {
    return this.#next(options);
  }

  /** Batches until the end of input. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    for (;;) {
      let next: B;
      try {
        next = await this.dequeue();
      } catch (error) {
        if (error instanceof OutOfRangeError) return;
        throw error;
      }
      yield next;
    }
  }
}

/**
 * What a batch queue of examples needs to give batches.
 *
 * @example
 * ```ts
 * const how: ElementBatching = { batchSize: 100, allowSmallerFinalBatch: true, output: 'tensor', dynamicPad: false, cell };
 * ```
 */
export interface ElementBatching {
  readonly batchSize: number;
  readonly allowSmallerFinalBatch: boolean;
  readonly output: OutputMode;
  readonly dynamicPad: boolean;
  readonly cell: SpecCell;
}

/**
 * The batches of a queue of examples: `dequeueMany(batchSize)` (or `dequeueUpTo` with
 * `allowSmallerFinalBatch`), assembled into one tensor or array per component. At the end,
 * the tail that is never batched is disposed.
 *
 * @example
 * ```ts
 * const source = new BatchSource(queue, 100, elementBatches(queue, how));
 * ```
 */
export function elementBatches<B>(
  queue: FedQueue<Element>,
  how: ElementBatching,
): (options?: BlockingOptions) => Promise<B> {
  let assembler: BatchAssembler | undefined;
  return async (options) => {
    let elements: Element[];
    try {
      elements = how.allowSmallerFinalBatch
        ? await queue.dequeueUpTo(how.batchSize, options)
        : await queue.dequeueMany(how.batchSize, options);
    } catch (error) {
      // The tail that is never batched still belongs to the pipeline: release it.
      if (error instanceof OutOfRangeError && queue.isClosed) disposeElements(queue.clear());
      throw error;
    }
    if (assembler === undefined) {
      const spec = how.cell.spec;
      // Elements only reach the queue after the runner has fixed the spec.
      if (spec === undefined) throw new Error('Batch spec unknown before the first element');
      assembler = new BatchAssembler(spec, { output: how.output, dynamicPad: how.dynamicPad });
    }
    return assembler.assemble(elements) as B;
  };
}

/**
 * The batches of a queue of whole blocks (one block per batch, the runner sized them):
 * each block's arrays become the batch's tensors or arrays.
 *
 * @example
 * ```ts
 * const source = new BatchSource(queue, 100, blockBatches(queue, spec, 'tensor'));
 * ```
 */
export function blockBatches<B>(
  queue: FedQueue<RowBlock>,
  spec: ElementSpec,
  output: OutputMode,
): (options?: BlockingOptions) => Promise<B> {
  return async (options) => blockToBatch(await queue.dequeue(options), spec, output) as B;
}
