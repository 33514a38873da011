/**
 * Property tests (issue 5, item 1): random pipelines of 1..3 slice producers, an optional
 * per-example `map` (sync or async, plain rows or tensors), one of the four batchers with
 * random sizes, threads and capacities, and a consumer that dequeues at a random pace. Every
 * run checks what TensorFlow's queue pipeline promises: each example comes exactly
 * `numEpochs` times (or, without `allowSmallerFinalBatch`, only the final `total % batchSize`
 * are dropped), batch sizes, rows matching their ids, per-source order with one thread, the
 * end-of-input error, a clean join, and no tensor left behind.
 *
 * `QUEUEFEED_FC_SEED` replays another seed; `QUEUEFEED_FC_SCALE` multiplies the runs (for
 * hunting locally, e.g. `QUEUEFEED_FC_SCALE=10`).
 */
import { describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import {
  Coordinator,
  OutOfRangeError,
  QueueRunnerRegistry,
  batch,
  batchJoin,
  shuffleBatch,
  shuffleBatchJoin,
  sliceInputProducer,
  startQueueRunners,
  tf,
  type BatchSource,
  type Component,
  type Element,
  type Source,
  type Thread,
} from '../index.js';
import { within } from './helpers/async.js';
import {
  batcherOptions,
  exampleColumns,
  expectedRow,
  fcRuns,
  fcSeed,
  joinExample,
  labelledError,
  paceArb,
  pacer,
  readBatch,
  splitExample,
  type BatcherSpec,
  type DataColumnKind,
  type ExampleColumns,
  type IdColumnKind,
  type Pace,
  type ReadBatch,
} from './helpers/pipeline-kit.js';

jest.setTimeout(120000);

const SEED = fcSeed(20240905);

/** Ids of source `p` are `p * ID_STRIDE + i`, so an id tells its source and its row. */
const ID_STRIDE = 64;

type MapKind = 'none' | 'sync' | 'async' | 'syncTensor' | 'asyncTensor';
type BatcherKind = 'batch' | 'shuffleBatch' | 'batchJoin' | 'shuffleBatchJoin';

interface SourceSpec {
  readonly length: number;
  readonly numEpochs: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly capacity: number;
  readonly map: MapKind;
}

interface PipelineSpec extends BatcherSpec {
  readonly batcher: BatcherKind;
  readonly sources: readonly SourceSpec[];
  readonly rowSize: number;
  readonly dataColumn: DataColumnKind;
  readonly idColumn: IdColumnKind;
  readonly record: boolean;
  readonly minAfterDequeue: number;
  readonly seed: number;
  readonly consumer: 'dequeue' | 'forAwait';
  readonly consumerPace: readonly Pace[];
  readonly mapPace: readonly Pace[];
}

const sourceArb: fc.Arbitrary<SourceSpec> = fc.record({
  length: fc.integer({ min: 1, max: 50 }),
  numEpochs: fc.integer({ min: 1, max: 3 }),
  shuffle: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
  capacity: fc.integer({ min: 1, max: 32 }),
  map: fc.constantFrom<MapKind>('none', 'sync', 'async', 'syncTensor', 'asyncTensor'),
});

/** The spec with the constraints applied: one source for `batch`/`shuffleBatch`, `minAfterDequeue < capacity`. */
function normalise(spec: PipelineSpec): PipelineSpec {
  const join = spec.batcher === 'batchJoin' || spec.batcher === 'shuffleBatchJoin';
  return {
    ...spec,
    sources: join ? spec.sources : spec.sources.slice(0, 1),
    minAfterDequeue: Math.min(spec.minAfterDequeue, spec.capacity - 1),
  };
}

function pipelineArb(options: {
  readonly batchers: readonly BatcherKind[];
  readonly maxSources: number;
  readonly maxThreads: number;
}): fc.Arbitrary<PipelineSpec> {
  return fc
    .record({
      batcher: fc.constantFrom(...options.batchers),
      sources: fc.array(sourceArb, { minLength: 1, maxLength: options.maxSources }),
      rowSize: fc.integer({ min: 1, max: 4 }),
      dataColumn: fc.constantFrom<DataColumnKind>('flat', 'shaped', 'tensor'),
      idColumn: fc.constantFrom<IdColumnKind>('int32', 'array'),
      record: fc.boolean(),
      batchSize: fc.integer({ min: 1, max: 16 }),
      numThreads: fc.integer({ min: 1, max: options.maxThreads }),
      capacity: fc.integer({ min: 1, max: 64 }),
      minAfterDequeue: fc.integer({ min: 0, max: 63 }),
      seed: fc.integer({ min: 0, max: 1000 }),
      allowSmallerFinalBatch: fc.boolean(),
      output: fc.constantFrom<'arrays' | 'tensor'>('arrays', 'tensor'),
      consumer: fc.constantFrom<'dequeue' | 'forAwait'>('dequeue', 'forAwait'),
      consumerPace: fc.array(paceArb(40), { minLength: 0, maxLength: 6 }),
      mapPace: fc.array(paceArb(120), { minLength: 0, maxLength: 6 }),
    })
    .map(normalise);
}

/** A one-line description of a spec, for failure messages. */
function describeSpec(spec: PipelineSpec): string {
  const sources = spec.sources
    .map(
      (s, p) =>
        `src${p}{len ${s.length}, epochs ${s.numEpochs}, shuffle ${s.shuffle}, seed ${s.seed}, ` +
        `cap ${s.capacity}, map ${s.map}}`,
    )
    .join(' ');
  return (
    `${spec.batcher}(batchSize ${spec.batchSize}, threads ${spec.numThreads}, cap ${spec.capacity}, ` +
    `minAfter ${spec.minAfterDequeue}, seed ${spec.seed}, smallerFinal ${spec.allowSmallerFinalBatch}, ` +
    `output ${spec.output}) ${sources} row ${spec.rowSize} ${spec.dataColumn}/${spec.idColumn} ` +
    `${spec.record ? 'record' : 'tuple'} consumer ${spec.consumer} pace [${spec.consumerPace.join(',')}] ` +
    `mapPace [${spec.mapPace.join(',')}]`
  );
}

/** The map of a source: doubles the data row; `*Tensor` kinds return it as a `tf.Tensor`. */
function mapFor(
  kind: MapKind,
  rowShape: readonly number[],
  pace: () => Promise<void> | undefined,
): ((e: Element) => Element | Promise<Element>) | undefined {
  if (kind === 'none') return undefined;
  const double = (e: Element): Element => {
    const { x, id } = splitExample(e);
    let out: Component;
    if (typeof x === 'number') {
      out = kind.endsWith('Tensor') ? tf.scalar(x * 2) : x * 2;
    } else {
      const row = Float32Array.from(x as Float32Array, (v) => v * 2);
      out = kind.endsWith('Tensor') ? tf.tensor(row, [...rowShape]) : row;
    }
    return joinExample(e, out, id);
  };
  if (kind === 'sync' || kind === 'syncTensor') return double;
  return async (e) => {
    const wait = pace();
    if (wait !== undefined) await wait;
    return double(e);
  };
}

/** What one run of a pipeline delivered. */
interface RunResult {
  readonly batches: ReadBatch[];
  /** The consumer's end-of-input error (`dequeue` consumers only). */
  readonly end: OutOfRangeError | undefined;
  readonly batchQueueName: string;
}

/** The producer order of source `p`: each id's row index, epoch after epoch, from a twin producer. */
async function producerOrder(columns: ExampleColumns, s: SourceSpec): Promise<number[]> {
  if (!s.shuffle) {
    return Array.from({ length: s.numEpochs * s.length }, (_, k) => k % s.length);
  }
  const registry = new QueueRunnerRegistry();
  const twin = sliceInputProducer<Element>([columns.data, columns.ids], {
    numEpochs: s.numEpochs,
    shuffle: true,
    seed: s.seed,
    capacity: s.capacity,
    registry,
  });
  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  const order: number[] = [];
  for (;;) {
    try {
      for (const e of await twin.dequeueUpTo(64)) order.push(splitExample(e).id % ID_STRIDE);
    } catch (error) {
      if (error instanceof OutOfRangeError) break;
      throw error;
    }
  }
  coord.requestStop();
  await coord.join(threads);
  return order;
}

/** Builds, runs and joins one pipeline; checks the lifecycle on the way. */
async function runPipeline(
  spec: PipelineSpec,
  columns: readonly ExampleColumns[],
): Promise<RunResult> {
  const registry = new QueueRunnerRegistry();
  const mapPace = pacer(spec.mapPace);
  const sources: Source<Element>[] = spec.sources.map((s, p) => {
    const c = columns[p] as ExampleColumns;
    const cols = spec.record ? { x: c.data, id: c.ids } : [c.data, c.ids];
    const producer = sliceInputProducer<Element>(cols, {
      numEpochs: s.numEpochs,
      shuffle: s.shuffle,
      seed: s.seed,
      capacity: s.capacity,
      registry,
    });
    const fn = mapFor(s.map, c.rowShape, mapPace);
    return fn === undefined ? producer : producer.map(fn);
  });
  const common = batcherOptions(spec, registry);
  const shuffled = { ...common, minAfterDequeue: spec.minAfterDequeue, seed: spec.seed };
  let batches: BatchSource<unknown>;
  switch (spec.batcher) {
    case 'batch':
      batches = batch(sources[0] as Source<Element>, common);
      break;
    case 'shuffleBatch':
      batches = shuffleBatch(sources[0] as Source<Element>, shuffled);
      break;
    case 'batchJoin':
      batches = batchJoin(sources, common);
      break;
    case 'shuffleBatchJoin':
      batches = shuffleBatchJoin(sources, shuffled);
      break;
  }
  const coord = new Coordinator();
  const threads: Thread[] = startQueueRunners({ coord, registry });
  expect(registry.runners).toEqual([]);

  const pace = pacer(spec.consumerPace);
  const got: ReadBatch[] = [];
  let end: OutOfRangeError | undefined;
  if (spec.consumer === 'dequeue') {
    for (;;) {
      let b: unknown;
      try {
        b = await batches.dequeue();
      } catch (error) {
        if (!(error instanceof OutOfRangeError)) throw error;
        end = error;
        break;
      }
      got.push(readBatch(b));
      const wait = pace();
      if (wait !== undefined) await wait;
    }
  } else {
    for await (const b of batches) {
      got.push(readBatch(b));
      const wait = pace();
      if (wait !== undefined) await wait;
    }
  }
  expect(coord.shouldStop()).toBe(false);
  coord.requestStop();
  await coord.join(threads, { stopGracePeriodMs: 5000 });
  expect(threads.map((t) => t.isAlive())).toEqual(threads.map(() => false));
  expect(batches.queue.isClosed).toBe(true);
  return { batches: got, end, batchQueueName: batches.queue.name };
}

/** Everything the run must satisfy, given what it delivered. */
async function checkRun(
  spec: PipelineSpec,
  columns: readonly ExampleColumns[],
  result: RunResult,
): Promise<void> {
  const { batchSize, allowSmallerFinalBatch } = spec;
  const total = spec.sources.reduce((n, s) => n + s.length * s.numEpochs, 0);
  const dropped = allowSmallerFinalBatch ? 0 : total % batchSize;
  const sizes = result.batches.map((b) => b.ids.length);
  const fullBatches = Math.floor(total / batchSize);
  const expectedSizes = Array.from({ length: fullBatches }, () => batchSize);
  if (allowSmallerFinalBatch && total % batchSize !== 0) expectedSizes.push(total % batchSize);
  expect(sizes).toEqual(expectedSizes);

  // dtypes and shapes of every batched component.
  const rowShape = (columns[0] as ExampleColumns).rowShape;
  const idDType =
    spec.idColumn === 'int32' && spec.sources.every((s) => s.map === 'none') ? 'int32' : 'float32';
  for (const b of result.batches) {
    const n = b.ids.length;
    expect(b.x.form).toBe(spec.output);
    expect(b.id.form).toBe(spec.output);
    expect(b.x.dtype).toBe('float32');
    expect(b.id.dtype).toBe(idDType);
    expect(b.x.shape).toEqual([n, ...rowShape]);
    expect(b.id.shape).toEqual([n]);
  }

  // Rows carry their own example's data; each id comes numEpochs times, minus the tail.
  const counts = new Map<number, number>();
  const bySource: number[][] = spec.sources.map(() => []);
  const badRows: string[] = [];
  for (const b of result.batches) {
    b.ids.forEach((id, r) => {
      const p = Math.floor(id / ID_STRIDE);
      const i = id % ID_STRIDE;
      const s = spec.sources[p];
      if (s === undefined || i >= s.length || !Number.isInteger(id)) {
        badRows.push(`unknown id ${id}`);
        return;
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
      (bySource[p] as number[]).push(i);
      const want = expectedRow(id, spec.rowSize, s.map === 'none' ? 1 : 2);
      const row = b.row(r);
      if (row.join(',') !== want.join(',')) {
        badRows.push(`id ${id}: got [${row.join(',')}], want [${want.join(',')}]`);
      }
    });
  }
  expect(badRows).toEqual([]);
  let missing = 0;
  const over: string[] = [];
  spec.sources.forEach((s, p) => {
    for (let i = 0; i < s.length; i++) {
      const c = counts.get(p * ID_STRIDE + i) ?? 0;
      if (c > s.numEpochs || (allowSmallerFinalBatch && c !== s.numEpochs)) {
        over.push(`id ${p * ID_STRIDE + i} came ${c} times, numEpochs ${s.numEpochs}`);
      }
      missing += s.numEpochs - c;
    }
  });
  expect(over).toEqual([]);
  expect(missing).toBe(dropped);

  // One thread per source into a FIFO queue: each source's order is the producer's.
  const ordered =
    (spec.batcher === 'batch' && spec.numThreads === 1) || spec.batcher === 'batchJoin';
  if (ordered) {
    for (let p = 0; p < spec.sources.length; p++) {
      const s = spec.sources[p] as SourceSpec;
      const order = await producerOrder(columns[p] as ExampleColumns, s);
      const delivered = bySource[p] as number[];
      expect(delivered).toEqual(order.slice(0, delivered.length));
    }
  }

  // The end of input, as a `dequeue` consumer sees it.
  if (spec.consumer === 'dequeue') {
    const kind =
      spec.batcher === 'shuffleBatch' || spec.batcher === 'shuffleBatchJoin'
        ? 'RandomShuffleQueue'
        : 'FIFOQueue';
    expect(result.end).toBeInstanceOf(OutOfRangeError);
    // What the queue holds at the end depends on how the batcher moves examples (one by
    // one, or in whole blocks), so only the stable part of the message is checked.
    expect(
      result.end?.message.startsWith(
        `${kind} '${result.batchQueueName}' is closed and has insufficient elements (requested `,
      ),
    ).toBe(true);
    expect(result.end?.cause).toBeUndefined();
  } else {
    expect(result.end).toBeUndefined();
  }
}

function makeColumns(spec: PipelineSpec): ExampleColumns[] {
  return spec.sources.map((s, p) =>
    exampleColumns(p * ID_STRIDE, s.length, spec.rowSize, spec.dataColumn, spec.idColumn),
  );
}

/** Runs `body` with the spec's columns, and checks that no tensor outlives it. */
async function withColumns(
  spec: PipelineSpec,
  body: (columns: readonly ExampleColumns[]) => Promise<void>,
): Promise<void> {
  const start = tf.memory().numTensors;
  const columns = makeColumns(spec);
  const created = tf.memory().numTensors;
  try {
    await body(columns);
    // The pipeline leaves nothing behind: only the test's own input columns remain.
    expect(tf.memory().numTensors).toBe(created);
  } catch (error) {
    throw labelledError(describeSpec(spec), error);
  } finally {
    for (const c of columns) c.dispose();
  }
  expect(tf.memory().numTensors).toBe(start);
}

describe('random pipelines (property)', () => {
  test('deliver every example numEpochs times, in full batches, with its own data (700 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        pipelineArb({
          batchers: ['batch', 'shuffleBatch', 'batchJoin', 'shuffleBatchJoin'],
          maxSources: 3,
          maxThreads: 4,
        }),
        async (spec) => {
          await withColumns(spec, async (columns) => {
            const result = await within(runPipeline(spec, columns), 15000);
            await checkRun(spec, columns, result);
          });
        },
      ),
      { numRuns: fcRuns(700), seed: SEED },
    );
  });

  test('keep each source in producer order with one thread per source (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        pipelineArb({ batchers: ['batch', 'batchJoin'], maxSources: 3, maxThreads: 1 }),
        async (spec) => {
          await withColumns(spec, async (columns) => {
            const result = await within(runPipeline(spec, columns), 15000);
            await checkRun(spec, columns, result);
          });
        },
      ),
      { numRuns: fcRuns(200), seed: SEED + 1 },
    );
  });

  test('give the same sequence twice for the same seeds with one thread per stage (150 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // shuffleBatch is left out: its order depends on timing (see the failing test below).
        pipelineArb({ batchers: ['batch'], maxSources: 1, maxThreads: 1 }),
        async (spec) => {
          await withColumns(spec, async (columns) => {
            const first = await within(runPipeline(spec, columns), 15000);
            const second = await within(runPipeline(spec, columns), 15000);
            expect(second.batches.map((b) => b.ids)).toEqual(first.batches.map((b) => b.ids));
          });
        },
      ),
      { numRuns: fcRuns(150), seed: SEED + 2 },
    );
  });
});
