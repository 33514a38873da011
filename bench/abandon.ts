/**
 * What is left behind when a consumer walks away mid-epoch (issue 5, item 7).
 *
 * queuefeed: a `for await` over a `shuffleBatch` source (a shuffle queue of 1 100 examples,
 * 1 000 held back for mixing, one tensor per example made by a `map`, batches of 10) is left
 * with `break` after 5 batches; a second pipeline is built and started but never read at all
 * (a dropped source). Then `coord.requestStop()` and `coord.join(threads)`. The contract: every
 * tensor the pipeline made is disposed by the time `join` settles, no thread alive, every
 * queue closed.
 *
 * tfjs-data, the same shape: `tf.data.generator(...)` (one tensor pair per example) or
 * `tf.data.array(...)` `.shuffle(1000).batch(10)`, its iterator abandoned after 5 batches. Its
 * shuffle buffer holds the next 1 000 elements; tfjs-data has no way to stop an iterator or
 * release its buffer, so when the elements hold tensors they stay allocated for good. Plain
 * (non-tensor) elements are measured too: they leave nothing, because the tensors are made at
 * `batch` time.
 *
 * Every figure is `tf.memory().numTensors` after the abandon (and, for queuefeed, after the
 * stop) minus before the pipeline was built, with the batches the loop received disposed.
 *
 * Run: `npx tsx bench/abandon.ts [--repeats 5] [--examples 3000] [--backend cpu]`.
 */
import { parseArgs } from 'node:util';
import type { data as tfdata, Tensor, TensorContainer } from '@tensorflow/tfjs';
import {
  batch,
  Coordinator,
  QueueRunnerRegistry,
  shuffleBatch,
  sliceInputProducer,
  startQueueRunners,
  type Thread,
} from './lib.js';
import { tf, type BackendName } from './lib.js';
import {
  backendArg,
  benchFlags,
  benchReport,
  describeMachine,
  intArg,
  median,
  runStandalone,
  startBench,
  textTable,
  type BenchCli,
  type BenchReport,
} from './bench-util.js';

/** Floats per example row (Fashion-MNIST's 28 x 28). */
const ROW = 784;
/** Batches taken before the consumer walks away. */
const BATCHES_TAKEN = 5;
/** Examples per batch, and the shuffle buffer, as in `.shuffle(1000).batch(10)`. */
const BATCH_SIZE = 10;
const SHUFFLE_BUFFER = 1000;

/**
 * The data every case reads: `n` rows of `ROW` floats and a label each.
 *
 * @example
 * ```ts
 * const data = makeData(3000);
 * ```
 */
export interface AbandonData {
  /** The rows, as a `{ data, shape }` column. */
  readonly images: { readonly data: Float32Array; readonly shape: [number, number] };
  /** One label per row. */
  readonly labels: Int32Array;
  /** Examples. */
  readonly n: number;
}

/**
 * Deterministic data of `n` examples.
 *
 * @example
 * ```ts
 * makeData(3000).images.shape; // [3000, 784]
 * ```
 */
export function makeData(n: number): AbandonData {
  const images = new Float32Array(n * ROW);
  for (let i = 0; i < images.length; i++) images[i] = (i % 255) / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  return { images: { data: images, shape: [n, ROW] }, labels, n };
}

/** Resolves after the current macrotask turn. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `condition` every millisecond; fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`abandon: ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * What the queuefeed case found.
 *
 * @example
 * ```ts
 * const r: QueuefeedAbandonResult = await queuefeedAbandon(makeData(3000));
 * r.tensorsLeftAfterJoin; // 0
 * ```
 */
export interface QueuefeedAbandonResult {
  /** Batches the loop took before `break`. */
  readonly batchesTaken: number;
  /** Tensors held by the two pipelines when the stop was requested (made by their maps). */
  readonly tensorsHeldAtStop: number;
  /** Tensors left once `coord.join` settled (must be 0). */
  readonly tensorsLeftAfterJoin: number;
  /** Threads joined, and those still alive once `join` settled (must be 0). */
  readonly threads: number;
  readonly aliveAfterJoin: number;
  /** Names of the queues still open once `join` settled (must be []). */
  readonly openQueues: string[];
  /** `requestStop()` to `join()` resolved, ms. */
  readonly joinMs: number;
}

/**
 * The queuefeed case: `break` out of a `for await` over a `shuffleBatch` source mid-epoch,
 * drop a second started pipeline unread, then stop and join; counts what is left.
 *
 * @example
 * ```ts
 * const r = await queuefeedAbandon(makeData(3000));
 * console.log(r.tensorsHeldAtStop, '->', r.tensorsLeftAfterJoin);
 * ```
 */
export async function queuefeedAbandon(data: AbandonData): Promise<QueuefeedAbandonResult> {
  const before = tf.memory().numTensors;
  const registry = new QueueRunnerRegistry();
  const toTensors = ([x, y]: [Float32Array, number]): [Tensor, number] => [tf.tensor1d(x), y];

  // The pipeline the loop walks away from: a shuffle buffer of 1 000 tensors, like tfjs-data's.
  const producer = sliceInputProducer<[Float32Array, number]>([data.images, data.labels], {
    numEpochs: 1,
    seed: 1,
    registry,
  });
  const batches = shuffleBatch(producer.map(toTensors), {
    batchSize: BATCH_SIZE,
    numThreads: 2,
    capacity: SHUFFLE_BUFFER + 10 * BATCH_SIZE,
    minAfterDequeue: SHUFFLE_BUFFER,
    seed: 1,
    registry,
  });
  // A pipeline built and started, never read: its queue fills with tensors.
  const droppedProducer = sliceInputProducer<[Float32Array, number]>([data.images, data.labels], {
    numEpochs: 1,
    seed: 2,
    registry,
  });
  const dropped = batch(droppedProducer.map(toTensors), {
    batchSize: BATCH_SIZE,
    capacity: 100,
    registry,
  });

  const coord = new Coordinator();
  const threads: Thread[] = startQueueRunners({ coord, registry });
  let batchesTaken = 0;
  for await (const [x, y] of batches) {
    tf.dispose([x, y]);
    if (++batchesTaken === BATCHES_TAKEN) break;
  }
  // Let both pipelines fill up, as they do while a program goes on after the loop.
  await until(
    () => batches.queue.size >= SHUFFLE_BUFFER && dropped.queue.size === 100,
    'pipelines never filled',
  );
  await tick();

  const tensorsHeldAtStop = tf.memory().numTensors - before;
  const t0 = performance.now();
  coord.requestStop();
  await coord.join(threads);
  const joinMs = performance.now() - t0;
  const queues = [producer.queue, batches.queue, droppedProducer.queue, dropped.queue];
  return {
    batchesTaken,
    tensorsHeldAtStop,
    tensorsLeftAfterJoin: tf.memory().numTensors - before,
    threads: threads.length,
    aliveAfterJoin: threads.filter((t) => t.isAlive()).length,
    openQueues: queues.filter((q) => !q.isClosed).map((q) => q.name),
    joinMs,
  };
}

/** The three tfjs-data sources compared (see the file comment). */
export type TfdataKind = 'generator of tensors' | 'array of tensors' | 'array of plain values';

/**
 * The tfjs-data case: `<source>.shuffle(1000).batch(10)`, 5 batches taken (and disposed), the
 * iterator then abandoned. Returns the tensors left behind (tensors the caller made for
 * `tf.data.array` are disposed by the caller first, as a caller would; they are not counted).
 *
 * @example
 * ```ts
 * await tfdataAbandon(makeData(3000), 'generator of tensors'); // e.g. 2000
 * ```
 */
export async function tfdataAbandon(data: AbandonData, kind: TfdataKind): Promise<number> {
  const before = tf.memory().numTensors;
  const { n } = data;
  const row = (i: number): Float32Array => data.images.data.subarray(i * ROW, (i + 1) * ROW);
  const label = (i: number): number => data.labels[i] ?? 0;
  let owned: Tensor[] = [];
  let ds: tfdata.Dataset<TensorContainer>;
  if (kind === 'generator of tensors') {
    ds = tf.data.generator(function* () {
      for (let i = 0; i < n; i++) yield { xs: tf.tensor1d(row(i)), ys: tf.scalar(label(i)) };
    });
  } else if (kind === 'array of tensors') {
    const items = Array.from({ length: n }, (_, i) => ({
      xs: tf.tensor1d(row(i)),
      ys: tf.scalar(label(i)),
    }));
    owned = items.flatMap((it) => [it.xs, it.ys]);
    ds = tf.data.array<TensorContainer>(items);
  } else {
    ds = tf.data.array<TensorContainer>(
      Array.from({ length: n }, (_, i) => ({ xs: Array.from(row(i)), ys: label(i) })),
    );
  }
  const it = await ds.shuffle(SHUFFLE_BUFFER, '1').batch(BATCH_SIZE).iterator();
  for (let b = 0; b < BATCHES_TAKEN; b++) {
    const r = await it.next();
    if (r.done) break;
    tf.dispose(r.value);
  }
  // Walk away: tfjs-data's iterators have no return() or close(); `it` is simply dropped.
  await tick();
  tf.dispose(owned);
  return tf.memory().numTensors - before;
}

/**
 * Options of {@link runAbandon}.
 *
 * @example
 * ```ts
 * await runAbandon({ repeats: 3 });
 * ```
 */
export interface AbandonOptions {
  /** Runs of each case (the table gives medians; the figures are deterministic). Default 5. */
  readonly repeats: number;
  /** Examples in the data set. Default 3000. */
  readonly examples: number;
  /** tfjs backend. Default 'cpu'. */
  readonly backend: BackendName;
  /** Progress lines while running. Default false (true when run standalone). */
  readonly verbose: boolean;
}

const DEFAULTS: AbandonOptions = { repeats: 5, examples: 3000, backend: 'cpu', verbose: false };

/**
 * Runs every case `repeats` times and tabulates the tensors left after an abandon.
 *
 * @example
 * ```ts
 * const { table } = await runAbandon();
 * console.log(table);
 * ```
 */
export async function runAbandon(options: Partial<AbandonOptions> = {}): Promise<BenchReport> {
  const o: AbandonOptions = { ...DEFAULTS, ...options };
  const { machine } = await startBench(o);
  const data = makeData(o.examples);
  const kinds: TfdataKind[] = ['generator of tensors', 'array of tensors', 'array of plain values'];
  const qf: QueuefeedAbandonResult[] = [];
  const tfd = new Map<TfdataKind, number[]>(kinds.map((k) => [k, []]));
  for (let r = 0; r < o.repeats; r++) {
    const q = await queuefeedAbandon(data);
    qf.push(q);
    for (const kind of kinds) tfd.get(kind)?.push(await tfdataAbandon(data, kind));
    if (o.verbose) {
      console.log(
        `  run ${r + 1}/${o.repeats}: queuefeed held ${q.tensorsHeldAtStop}, left ` +
          `${q.tensorsLeftAfterJoin}; tfjs-data left ` +
          kinds.map((k) => `${tfd.get(k)?.[r] ?? '-'} (${k})`).join(', '),
      );
    }
  }
  const range = (xs: readonly number[]): string => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? String(lo) : `${lo}..${hi}`;
  };
  const qfClean = qf.every(
    (q) => q.tensorsLeftAfterJoin === 0 && q.aliveAfterJoin === 0 && q.openQueues.length === 0,
  );
  const rows: string[][] = [
    [
      'queuefeed (break + a dropped source; requestStop + join)',
      range(qf.map((q) => q.tensorsHeldAtStop)),
      range(qf.map((q) => q.tensorsLeftAfterJoin)),
      `threads alive ${range(qf.map((q) => q.aliveAfterJoin))}, open queues ${range(qf.map((q) => q.openQueues.length))}`,
    ],
    ...kinds.map((kind) => {
      const xs = tfd.get(kind) ?? [];
      return [`tfjs-data (${kind})`, range(xs), range(xs), 'no stop or close API'];
    }),
  ];
  const table = textTable(
    ['library / case', 'tensors held at abandon', 'tensors left after abandon', 'notes'],
    rows,
  );
  const notes = [
    'queuefeed: shuffleBatch(map to one tensor per example, { batchSize: 10, capacity: 1100, ' +
      'minAfterDequeue: 1000, numThreads: 2 }), `break` after 5 batches, plus a second batch ' +
      'pipeline started and never read; then coord.requestStop() and coord.join(threads).',
    'tfjs-data: <source>.shuffle(1000).batch(10), 5 batches taken, iterator dropped (tfjs-data ' +
      'has no stop or close).',
    `${o.examples} examples of ${ROW} floats; figures over ${o.repeats} runs (lo..hi where runs ` +
      'differ); tensors counted with tf.memory().numTensors, batches taken disposed.',
    `queuefeed: every run clean (0 tensors, 0 threads alive, every queue closed): ${qfClean ? 'yes' : 'NO'}; ` +
      `requestStop -> join median ${median(qf.map((q) => q.joinMs)).toFixed(2)} ms.`,
  ];
  return benchReport(machine, {
    title: 'abandon: tensors left behind when the consumer walks away mid-epoch',
    table: `${describeMachine(machine)}\n\n${table}\n${notes.join('\n')}`,
    data: {
      config: o,
      queuefeed: qf,
      tfjsData: Object.fromEntries(tfd),
      queuefeedClean: qfClean,
    },
  });
}

function parseCli(): BenchCli<AbandonOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      repeats: { type: 'string', default: String(DEFAULTS.repeats) },
      examples: { type: 'string', default: String(DEFAULTS.examples) },
    },
    strict: true,
  });
  return {
    options: {
      repeats: intArg('repeats', values.repeats, 1),
      examples: intArg('examples', values.examples, 1200),
      backend: backendArg(values.backend),
      verbose: true,
    },
    json: values.json,
  };
}

await runStandalone(import.meta.url, parseCli, runAbandon);
