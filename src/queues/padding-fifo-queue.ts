import { padElements } from '../padding.js';
import type { Element } from '../element.js';
import { inferSpec, isPlainObject, type ElementSpec, type Shapes } from '../element-spec.js';
import { invalidArgument } from '../validate.js';
import { checkElementFits } from '../element-check.js';
import { FifoStorage } from './fifo-storage.js';
import { QueueBase, type QueueOptions } from './queue-base.js';

/**
 * Options of {@link PaddingFIFOQueue}.
 *
 * @example
 * ```ts
 * const options: PaddingFIFOQueueOptions = { capacity: 10, shapes: [[null], []] };
 * ```
 */
export interface PaddingFIFOQueueOptions extends QueueOptions {
  /**
   * Row shapes per component, `null` for a variable dimension (see `Shapes`). May be left out
   * when every variable component is a rank-1 row (a typed array of varying length).
   */
  readonly shapes?: Shapes | undefined;
}

/**
 * A FIFO queue whose `dequeueMany` and `dequeueUpTo` pad each variable dimension up to the
 * largest size in that batch: 0 for numbers, `''` for strings (TensorFlow's
 * `PaddingFIFOQueue`). A single `dequeue` gives the element as it was enqueued.
 *
 * @example
 * ```ts
 * const q = new PaddingFIFOQueue<Float32Array>({ capacity: 10, shapes: [null] });
 * await q.enqueueMany([Float32Array.of(1), Float32Array.of(1, 2, 3)]);
 * await q.dequeueMany(2); // [Float32Array [1, 0, 0], Float32Array [1, 2, 3]]
 * ```
 */
export class PaddingFIFOQueue<T extends Element> extends QueueBase<T> {
  protected readonly kind: string = 'PaddingFIFOQueue';
  readonly #shapes: Shapes | undefined;
  #spec: ElementSpec | undefined;

  /** @param options `{ capacity, shapes?, name? }` */
  constructor(options: PaddingFIFOQueueOptions) {
    super(options, 'padding_fifo_queue', new FifoStorage<T>(options?.capacity ?? 1));
    const shapes: unknown = options.shapes;
    // The element's form is known only at the first enqueue; the form of `shapes` now.
    if (shapes !== undefined && !Array.isArray(shapes) && !isPlainObject(shapes)) {
      throw invalidArgument(
        'shapes',
        'row shapes: a shape, a list of shapes or a record of shapes',
        shapes,
      );
    }
    this.#shapes = options.shapes;
  }

  protected override check(element: T, label: string): T {
    // The first element fixes the spec (structure, dtypes, known dimensions); a later element
    // that does not fit is rejected at enqueue, with nothing stored.
    this.#spec ??= inferSpec(element, { shapes: this.#shapes, dynamicPad: true, argName: label });
    checkElementFits(element, this.#spec, 0, true);
    return element;
  }

  protected override finishBatch(elements: T[]): T[] {
    if (this.#spec === undefined || elements.length === 0) return elements;
    return padElements(elements, this.#spec) as T[];
  }
}
