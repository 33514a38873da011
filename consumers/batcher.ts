import { disposeElements } from '../src/batch-assembler.js';
import { unbatch } from '../src/unbatch.js';
import type { Element } from '../src/element.js';
import { assertCompatibleSpecs, inferSpec, type ElementSpec } from '../src/element-spec.js';
import {
  invalidArgument,
  booleanOption,
  nonNegativeMs,
  optionalPositiveMs,
  positiveInteger,
} from '../src/validate.js';
import { FIFOQueue } from '../src/queues/fifo-queue.js';
import { notEnqueued } from '../src/queues/queue-base.js';
import { PaddingFIFOQueue } from '../src/queues/padding-fifo-queue.js';
import { RandomShuffleQueue } from '../src/queues/random-shuffle-queue.js';
import type { FedQueue } from '../src/queue.js';
import { QueueRunner, type EnqueueOp } from '../src/queue-runner.js';
import { addQueueRunner, defaultRegistry, QueueRunnerRegistry } from '../src/registry.js';
import { uniqueName } from '../src/names.js';
import type { Source } from '../src/source.js';
import { BatchSource, elementBatches, type SpecCell } from './batch-source.js';
import { createBlockBatcher } from './block-batcher.js';
import { isBlockSource } from '../src/row-block.js';
import type { BatchOptions } from './batch-options.js';
import { checkElementFits, specWithShapes } from '../src/element-check.js';

/** How a batcher's queue mixes: FIFO (optionally padding) or random shuffle. */
export type BatchQueueKind =
  | { readonly kind: 'fifo' }
  | {
      readonly kind: 'shuffle';
      readonly minAfterDequeue: number;
      readonly seed: number | undefined;
    };

/** Everything the five batchers differ in; the rest is shared (TensorFlow's `_batch` family). */
export interface BatcherConfig<E> {
  /** One per runner op group: `batch` has one source read by `numThreads` ops; `*Join` one op per source. */
  readonly sources: readonly Source<E>[];
  readonly threadsPerSource: number;
  readonly options: BatchOptions;
  readonly queueKind: BatchQueueKind;
  readonly defaultName: string;
  readonly keepInput?: ((element: E) => boolean) | undefined;
}

function checkSource(source: unknown, argName: string): void {
  if (
    source === null ||
    typeof source !== 'object' ||
    typeof (source as { dequeue?: unknown }).dequeue !== 'function'
  ) {
    throw invalidArgument(argName, 'a source (an object with a dequeue() method)', source);
  }
}

/**
 * Builds a batcher: validates everything first (so a bad argument leaves nothing registered),
 * then creates the batch queue, one runner with an op per thread, and the batch source.
 *
 * Each op moves a chunk of examples per step: it takes up to `batchSize` elements from its
 * source in one call where the source allows it (one promise per chunk, not per example),
 * splits them when `enqueueMany`, filters them with `keepInput`, checks them against the
 * spec, and enqueues them together.
 */
export function createBatcher<E, B>(config: BatcherConfig<E>, argName: string): BatchSource<B> {
  const o = config.options;
  if (o === null || typeof o !== 'object') throw invalidArgument('options', 'an object', o);
  config.sources.forEach((s, i) =>
    checkSource(s, config.sources.length === 1 ? argName : `${argName}[${i}]`),
  );
  const batchSize = positiveInteger('batchSize', o.batchSize);
  positiveInteger('numThreads', o.numThreads ?? 1);
  const capacity = positiveInteger('capacity', o.capacity ?? 32);
  const enqueueMany = booleanOption('enqueueMany', o.enqueueMany ?? false);
  const dynamicPad = booleanOption('dynamicPad', o.dynamicPad ?? false);
  const allowSmallerFinalBatch = booleanOption(
    'allowSmallerFinalBatch',
    o.allowSmallerFinalBatch ?? false,
  );
  const output = o.output ?? 'tensor';
  if (output !== 'tensor' && output !== 'arrays') {
    throw invalidArgument('output', "'tensor' or 'arrays'", output);
  }
  const startTimeoutMs = nonNegativeMs('startTimeoutMs', o.startTimeoutMs ?? 5000);
  const stepTimeoutMs = optionalPositiveMs('stepTimeoutMs', o.stepTimeoutMs);
  const registry = o.registry ?? defaultRegistry;
  if (!(registry instanceof QueueRunnerRegistry)) {
    throw invalidArgument('registry', 'a QueueRunnerRegistry', registry);
  }
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '')) {
    throw invalidArgument('name', 'a non-empty string', o.name);
  }
  const keepInput = config.keepInput;
  if (keepInput !== undefined && typeof keepInput !== 'function') {
    throw invalidArgument('keepInput', 'a function (element) => boolean', keepInput);
  }

  // The spec, when the sources tell it; otherwise the first element fixes it.
  const cell: SpecCell = { spec: undefined };
  if (!enqueueMany) {
    const specs = config.sources.map((s) => s.elementSpec);
    if (specs.every((s): s is ElementSpec => s !== undefined) && specs.length > 0) {
      specs.forEach((s, i) => {
        if (i > 0) assertCompatibleSpecs(specs[0] as ElementSpec, s, `\`${argName}[${i}]\``);
      });
      cell.spec = specWithShapes(specs[0] as ElementSpec, o.shapes, dynamicPad);
    }
  }

  const name = o.name ?? uniqueName(config.defaultName);
  const queueKind = config.queueKind;
  const numThreads = config.threadsPerSource;
  const only = config.sources.length === 1 ? config.sources[0] : undefined;
  if (
    only !== undefined &&
    isBlockSource(only) &&
    cell.spec !== undefined &&
    queueKind.kind === 'fifo' &&
    !dynamicPad &&
    !enqueueMany &&
    keepInput === undefined
  ) {
    // Nothing per-example between source and batch: move whole blocks.
    return createBlockBatcher<B>(only, {
      name,
      batchSize,
      capacity,
      numThreads,
      allowSmallerFinalBatch,
      output,
      spec: cell.spec,
      registry,
      startTimeoutMs,
      stepTimeoutMs,
    });
  }
  const queue: FedQueue<Element> =
    queueKind.kind === 'shuffle'
      ? new RandomShuffleQueue<Element>({
          capacity,
          name,
          minAfterDequeue: queueKind.minAfterDequeue,
          seed: queueKind.seed,
        })
      : dynamicPad
        ? new PaddingFIFOQueue<Element>({ capacity, name, shapes: o.shapes })
        : new FIFOQueue<Element>({ capacity, name });

  const chunk = Math.max(1, Math.min(batchSize, capacity));
  // `told`: the spec of the first batched source element with `enqueueMany`. Its split rows
  // no longer carry what the batch did (an int32 column gives plain numbers, a [n, 28, 28]
  // tensor gives flat rows), so the dtypes, and without `dynamicPad` the row shapes, come
  // from it.
  const fixSpec = (first: Element, told: ElementSpec | undefined): ElementSpec => {
    if (cell.spec === undefined) {
      if (told !== undefined && !dynamicPad) {
        cell.spec = specWithShapes(told, o.shapes, false);
      } else {
        const inferred = inferSpec(first, { shapes: o.shapes, dynamicPad, argName: 'element' });
        cell.spec = told === undefined ? inferred : withDTypesOf(inferred, told);
      }
    }
    return cell.spec;
  };
  // Elements this batcher has taken from its sources, so that a message names an element by
  // its position in the stage's input rather than in one step's chunk.
  let seen = 0;

  const opFor = (source: Source<E>): EnqueueOp => {
    return async ({ signal, untimed }) => {
      const taken =
        source.dequeueUpTo !== undefined
          ? await source.dequeueUpTo(chunk, { signal })
          : [await source.dequeue({ signal })];
      let elements = taken as unknown as Element[];
      try {
        if (signal.aborted) throw signal.reason;
        let told: ElementSpec | undefined;
        if (enqueueMany) {
          const split: Element[] = [];
          for (const e of elements) {
            const parts = unbatch(e, undefined, 'element');
            told ??= parts.spec;
            for (const part of parts.elements) split.push(part);
          }
          elements = split;
        }
        const first = seen;
        seen += elements.length;
        // Input positions of the elements kept (all of them without `keepInput`).
        let positions: number[] | undefined;
        if (keepInput !== undefined) {
          const kept: Element[] = [];
          positions = [];
          for (let k = 0; k < elements.length; k++) {
            const e = elements[k] as Element;
            if (keepInput(e as unknown as E)) {
              kept.push(e);
              positions.push(first + k);
            } else {
              disposeElements([e]);
            }
          }
          elements = kept;
        }
        if (elements.length === 0) return;
        const spec = fixSpec(elements[0] as Element, told);
        for (let i = 0; i < elements.length; i++) {
          checkElementFits(elements[i] as Element, spec, positions?.[i] ?? first + i, dynamicPad);
        }
      } catch (error) {
        // Whatever did not reach the queue is the pipeline's to release.
        disposeElements(elements);
        throw error;
      }
      try {
        // Waiting for room (a slow consumer) never counts toward `stepTimeoutMs`.
        await untimed(queue.enqueueMany(elements, { signal }));
      } catch (error) {
        disposeElements(notEnqueued(error));
        throw error;
      }
    };
  };

  const ops: EnqueueOp[] = [];
  for (const source of config.sources) {
    for (let t = 0; t < config.threadsPerSource; t++) ops.push(opFor(source));
  }
  addQueueRunner(
    new QueueRunner<Element>({ queue, enqueueOps: ops, startTimeoutMs, stepTimeoutMs }),
    registry,
  );
  return new BatchSource<B>(
    queue,
    batchSize,
    elementBatches<B>(queue, { batchSize, allowSmallerFinalBatch, output, dynamicPad, cell }),
  );
}

/** `spec` with each component's dtype taken from `from` (same structure). */
function withDTypesOf(spec: ElementSpec, from: ElementSpec): ElementSpec {
  return {
    structure: spec.structure,
    components: spec.components.map((c, k) => ({
      ...c,
      dtype: from.components[k]?.dtype ?? c.dtype,
    })),
  };
}
