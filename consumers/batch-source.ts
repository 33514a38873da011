import type { Element } from '../src/element.js';
import { BatchAssembler, disposeElements } from '../src/batch-assembler.js';
import type { ElementSpec } from '../src/element-spec.js';
import { OutOfRangeError } from '../src/errors.js';
import type { FedQueue } from '../src/queue.js';
import { SourceBase } from '../src/source.js';
import type { BlockingOptions } from '../src/types.js';
import type { OutputMode } from '../src/element.js';

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
  readonly #queue: FedQueue<Element>;
  readonly #batchSize: number;
  readonly #allowSmallerFinalBatch: boolean;
  readonly #cell: SpecCell;
  readonly #output: OutputMode;
  readonly #dynamicPad: boolean;
  #assembler: BatchAssembler | undefined;

  /** Built by the batchers; not constructed directly. */
  constructor(
    queue: FedQueue<Element>,
    options: {
      readonly batchSize: number;
      readonly allowSmallerFinalBatch: boolean;
      readonly output: OutputMode;
      readonly dynamicPad: boolean;
      readonly cell: SpecCell;
    },
  ) {
    super();
    this.#queue = queue;
    this.#batchSize = options.batchSize;
    this.#allowSmallerFinalBatch = options.allowSmallerFinalBatch;
    this.#output = options.output;
    this.#dynamicPad = options.dynamicPad;
    this.#cell = options.cell;
  }

  /** The batch queue (its name is the batcher's name). */
  get queue(): FedQueue<Element> {
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
  async dequeue(options?: BlockingOptions): Promise<B> {
    const queue = this.#queue;
    let elements: Element[];
    try {
      elements = this.#allowSmallerFinalBatch
        ? await queue.dequeueUpTo(this.#batchSize, options)
        : await queue.dequeueMany(this.#batchSize, options);
    } catch (error) {
      // The tail that is never batched still belongs to the pipeline: release it.
      if (error instanceof OutOfRangeError && queue.isClosed) disposeElements(queue.clear());
      throw error;
    }
    return this.#assemblerFor().assemble(elements) as B;
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

  #assemblerFor(): BatchAssembler {
    if (this.#assembler === undefined) {
      const spec = this.#cell.spec;
      // Elements only reach the queue after the runner has fixed the spec.
      if (spec === undefined) throw new Error('Batch spec unknown before the first element');
      this.#assembler = new BatchAssembler(spec, {
        output: this.#output,
        dynamicPad: this.#dynamicPad,
      });
    }
    return this.#assembler;
  }
}
