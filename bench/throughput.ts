/**
 * Input-pipeline throughput in examples per second, side by side (issue 4, targets 1 and 2): a
 * bare copy loop (the ceiling), the plain `batchIter` generator (the baseline queuefeed is held
 * to), queuefeed's batchers in several shapes (main-thread gather with 1, 2 and 4 runner
 * threads, gather on 1 and 2 worker threads, a per-example `map`, `shuffleBatch`, `batchJoin`),
 * and tfjs-data: its generator form and its array form (`tf.data.array(...).shuffle(...)
 * .batch(100)`).
 *
 * Every case reads the same Fashion-MNIST-shaped data in the same process; the cases are
 * interleaved (round r runs every case once) so that drift in machine load or JIT state is
 * spread over all of them instead of favouring whichever ran first. Each run is timed twice:
 * whole (from building the pipeline to the last batch disposed and the runners joined) and
 * steady (over the second half of the batches: from the batch at the run's middle to the last
 * one): the second leaves out start-up costs such as a worker pool's thread start.
 *
 * Run: `npx tsx bench/throughput.ts [--backend wasm|cpu|tensorflow|auto] [--epochs N]
 * [--worker-epochs N] [--repeats N] [--warmup N] [--tfdata-examples N] [--data DIR]
 * [--cases SUBSTR,...] [--json FILE]`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Tensor } from '@tensorflow/tfjs';
import {
  batch,
  batchJoin,
  Coordinator,
  disposeTensorsIn,
  OutOfRangeError,
  QueueRunnerRegistry,
  shuffleBatch,
  sliceInputProducer,
  startQueueRunners,
} from './lib.js';
import { batchIter } from './lib.js';
import { loadMnist } from './lib.js';
import { Random } from './lib.js';
import { tf, type BackendName } from './lib.js';
import {
  backendArg,
  benchFlags,
  benchReport,
  fmtInt,
  intArg,
  median,
  runStandalone,
  startBench,
  textTable,
  type BenchCli,
  type BenchReport,
} from './bench-util.js';

/** Examples per batch in every case. */
const BATCH_SIZE = 100;
/** Values per example row (28 x 28). */
const ROW = 784;
/** Where the real data set is looked for when `data` is not given. */
const DEFAULT_DATA_DIRS = [
  '/work/shared/datasets/fashion-mnist',
  '../shared/datasets/fashion-mnist',
  '/usr/share/datasets/fashion-mnist',
];

/**
 * The data every case reads: `n` rows of 784 float32 pixels in [0, 1] and one int32 label each.
 *
 * @example
 * ```ts
 * const d: BenchData = await loadBenchData();
 * d.images.shape; // [60000, 784]
 * ```
 */
export interface BenchData {
  readonly images: { readonly data: Float32Array; readonly shape: [number, number] };
  readonly labels: Int32Array;
  readonly n: number;
  /** Where the data came from, for the report. */
  readonly source: string;
}

/**
 * {@link BenchData} whose arrays live in `SharedArrayBuffer`s, so a producer with `workers`
 * shares them with its worker threads as they are instead of copying them per producer.
 *
 * @example
 * ```ts
 * const shared: SharedBenchData = shareBenchData(await loadBenchData());
 * shared.copySeconds; // e.g. 0.42: what a producer would pay per run without it
 * ```
 */
export interface SharedBenchData extends BenchData {
  /** Seconds the one copy into shared memory took. */
  readonly copySeconds: number;
}

const loaded = new Map<string, Promise<BenchData>>();
const sharedCopies = new WeakMap<BenchData, SharedBenchData>();

/** The first directory holding the Fashion-MNIST training images, or `undefined`. */
function findDataDir(dir: string | undefined): string | undefined {
  const candidates = dir !== undefined ? [dir] : DEFAULT_DATA_DIRS;
  const env = process.env.QUEUEFEED_DATA;
  if (dir === undefined && env !== undefined && env !== '') candidates.unshift(env);
  return candidates.find(
    (d) =>
      existsSync(path.join(d, 'train-images-idx3-ubyte.gz')) ||
      existsSync(path.join(d, 'train-images-idx3-ubyte')),
  );
}

/**
 * Loads the Fashion-MNIST training split (60 000 x 784, scaled to [0, 1]) from `dir`, else
 * `$QUEUEFEED_DATA`, else `/work/shared/datasets/fashion-mnist`, `../shared/datasets/...` or
 * `/usr/share/datasets/fashion-mnist`; failing those, 60 000 random rows of the same shape
 * (throughput does not depend on the values). Cached per directory within the process.
 *
 * @example
 * ```ts
 * const { images, labels, n, source } = await loadBenchData();
 * ```
 */
export function loadBenchData(dir?: string): Promise<BenchData> {
  const found = findDataDir(dir);
  if (dir !== undefined && found === undefined) {
    return Promise.reject(new Error(`--data ${dir}: no train-images-idx3-ubyte(.gz) there`));
  }
  const key = found ?? '<random>';
  let p = loaded.get(key);
  if (p === undefined) {
    p = found === undefined ? Promise.resolve(randomData()) : readData(found);
    loaded.set(key, p);
  }
  return p;
}

async function readData(dir: string): Promise<BenchData> {
  const { train } = await loadMnist(dir, { scale: true });
  // `scale: true` and no `oneHot` promise these types; check rather than cast blindly.
  if (!(train.images.data instanceof Float32Array) || !(train.labels.data instanceof Int32Array)) {
    throw new Error(`Unexpected array types from loadMnist(${dir})`);
  }
  const n = train.images.shape[0];
  return {
    images: { data: train.images.data, shape: [n, train.images.shape[1]] },
    labels: train.labels.data,
    n,
    source: `fashion-mnist train split (${dir})`,
  };
}

function randomData(): BenchData {
  const n = 60_000;
  const rng = new Random(1);
  const images = new Float32Array(n * ROW);
  for (let i = 0; i < images.length; i++) images[i] = rng.float();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return {
    images: { data: images, shape: [n, ROW] },
    labels,
    n,
    source: 'random values (no data set found)',
  };
}

/**
 * The same data copied once into `SharedArrayBuffer`s (cached per data object).
 *
 * @example
 * ```ts
 * const shared = shareBenchData(await loadBenchData());
 * sliceInputProducer([shared.images, shared.labels], { workers: 2 });
 * ```
 */
export function shareBenchData(d: BenchData): SharedBenchData {
  const cached = sharedCopies.get(d);
  if (cached !== undefined) return cached;
  const t0 = performance.now();
  const images = new Float32Array(new SharedArrayBuffer(d.images.data.byteLength));
  images.set(d.images.data);
  const labels = new Int32Array(new SharedArrayBuffer(d.labels.byteLength));
  labels.set(d.labels);
  const copySeconds = (performance.now() - t0) / 1000;
  const shared: SharedBenchData = {
    images: { data: images, shape: d.images.shape },
    labels,
    n: d.n,
    source: d.source,
    copySeconds,
  };
  sharedCopies.set(d, shared);
  return shared;
}

/**
 * Counts the examples of one run and when each batch arrived.
 *
 * @example
 * ```ts
 * const meter = new Meter();
 * meter.batch(100);
 * const { whole, steady } = meter.rates(performance.now());
 * ```
 */
export class Meter {
  /** When the run started (`performance.now()`, ms). */
  readonly startedAt = performance.now();
  /** Examples delivered so far. */
  count = 0;
  /** Arrival time (ms) of each batch, and the examples delivered up to and including it. */
  readonly #times: number[] = [];
  readonly #counts: number[] = [];

  /** Records a batch of `n` examples. */
  batch(n: number): void {
    this.count += n;
    this.#times.push(performance.now());
    this.#counts.push(this.count);
  }

  /**
   * The run's rates, examples/s, for a run that ended at `endAt` (ms): `whole` over the whole
   * run; `steady` over its second half (from the batch at the middle of the run to the last
   * batch), which leaves out start-up such as a worker pool's thread start; `firstBatchMs`,
   * the time from the start to the first batch.
   *
   * @example
   * ```ts
   * const { whole, steady, seconds, firstBatchMs } = meter.rates(performance.now());
   * ```
   */
  rates(endAt: number): { whole: number; steady: number; seconds: number; firstBatchMs: number } {
    const seconds = (endAt - this.startedAt) / 1000;
    const last = this.#times.length - 1;
    const mid = last >> 1;
    const span = ((this.#times[last] ?? 0) - (this.#times[mid] ?? 0)) / 1000;
    const examples = (this.#counts[last] ?? 0) - (this.#counts[mid] ?? 0);
    return {
      whole: this.count / seconds,
      steady: last > mid && span > 0 ? examples / span : Number.NaN,
      seconds,
      firstBatchMs: (this.#times[0] ?? Number.NaN) - this.startedAt,
    };
  }
}

/**
 * Starts the registry's runners, dequeues batches until `OutOfRangeError`, disposing each and
 * counting its examples (the first component's first dimension), then stops and joins.
 *
 * @example
 * ```ts
 * await drainBatches(batches, registry, meter);
 * ```
 */
export async function drainBatches(
  batches: { dequeue(): Promise<unknown> },
  registry: QueueRunnerRegistry,
  meter: Meter,
): Promise<void> {
  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  try {
    for (;;) {
      let b: unknown;
      try {
        b = await batches.dequeue();
      } catch (e) {
        if (e instanceof OutOfRangeError) break;
        throw e;
      }
      const first: unknown = Array.isArray(b) ? b[0] : b;
      meter.batch(first instanceof tf.Tensor ? ((first as Tensor).shape[0] ?? 0) : 0);
      disposeTensorsIn(b);
    }
  } finally {
    coord.requestStop();
    await coord.join(threads);
  }
}

/**
 * What {@link measureRounds} collected for one case: one entry per measured round.
 *
 * @example
 * ```ts
 * const [first] = await measureRounds(cases, { warmup: 1, repeats: 5 }, log);
 * median(first.rates);
 * ```
 */
export interface RoundFigures {
  /** Whole-run rates, examples/s. */
  readonly rates: number[];
  /** Rates over the second half of the batches, examples/s. */
  readonly steadyRates: number[];
  /** Milliseconds from the start of a run to its first batch. */
  readonly firstBatchMs: number[];
  /** `tf.memory().numTensors` after each run minus its value before. */
  readonly tensorDeltas: number[];
  /** Examples delivered by the last run. */
  examples: number;
}

/**
 * Runs every case once per round, `warmup` rounds unrecorded and then `repeats` recorded
 * ones, interleaved (round r runs every case once) so that drift in machine load or JIT
 * state is spread over all of them. Case `c` of round `r` gets seed `1000 * r + c`. Logs a
 * line per run.
 *
 * @example
 * ```ts
 * const figures = await measureRounds([{ name: 'memcpy', run }], { warmup: 1, repeats: 5 }, log);
 * ```
 */
export async function measureRounds(
  cases: readonly {
    readonly name: string;
    readonly run: (seed: number, meter: Meter) => Promise<void>;
  }[],
  rounds: { readonly warmup: number; readonly repeats: number },
  log: (line: string) => void,
): Promise<RoundFigures[]> {
  const figures: RoundFigures[] = cases.map(() => ({
    rates: [],
    steadyRates: [],
    firstBatchMs: [],
    tensorDeltas: [],
    examples: 0,
  }));
  const { warmup, repeats } = rounds;
  for (let round = 0; round < warmup + repeats; round++) {
    const measured = round >= warmup;
    const label = measured ? `round ${round - warmup + 1}/${repeats}` : `warm-up ${round + 1}`;
    for (const [c, bc] of cases.entries()) {
      const before = tf.memory().numTensors;
      const meter = new Meter();
      await bc.run(1000 * round + c, meter);
      const r = meter.rates(performance.now());
      const delta = tf.memory().numTensors - before;
      log(
        `  ${label.padEnd(11)} ${bc.name.padEnd(34)} ${fmtInt(r.whole).padStart(10)} ex/s ` +
          `(steady ${fmtInt(r.steady)}; ${meter.count} ex in ${r.seconds.toFixed(3)} s, ` +
          `tensors ${delta >= 0 ? '+' : ''}${delta})`,
      );
      const f = figures[c]!;
      if (!measured) continue;
      f.rates.push(r.whole);
      f.steadyRates.push(r.steady);
      f.firstBatchMs.push(r.firstBatchMs);
      f.tensorDeltas.push(delta);
      f.examples = meter.count;
    }
  }
  return figures;
}

/** One measured case: runs one measurement, reporting each batch to the meter. */
interface BenchCase {
  readonly name: string;
  /** Epochs per run (the worker cases run more, see the footnote). */
  readonly epochs: number;
  /** Measured on a subset of the examples per epoch (the tfjs-data cases). */
  readonly subset?: number | undefined;
  readonly run: (seed: number, meter: Meter) => Promise<void>;
}

/**
 * What the report and the JSON hold for one case.
 *
 * @example
 * ```ts
 * const r: ThroughputCaseResult = report.data.results[0];
 * ```
 */
export interface ThroughputCaseResult {
  readonly name: string;
  readonly epochsPerRun: number;
  readonly examplesPerRun: number;
  /** Whole-run rates, examples/s, one per measured round. */
  readonly rates: number[];
  /** Rates over the second half of the batches, examples/s, one per measured round. */
  readonly steadyRates: number[];
  /** Milliseconds from the start of the run to the first batch, one per measured round. */
  readonly firstBatchMs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly steadyMedian: number;
  readonly ratioVsGenerator: number;
  readonly ratioVsMemcpy: number;
  readonly steadyRatioVsGenerator: number;
  /** `tf.memory().numTensors` after each run minus its value before. */
  readonly tensorDeltas: number[];
}

/**
 * Options of {@link runThroughput}; every field has a default.
 *
 * @example
 * ```ts
 * await runThroughput({ repeats: 5, cases: ['queuefeed batch'] });
 * ```
 */
export interface ThroughputOptions {
  /** tfjs backend. Default 'wasm' (the one training uses where tfjs-node cannot load). */
  readonly backend: BackendName;
  /** Epochs per run of the main-thread cases. Default 1. */
  readonly epochs: number;
  /** Epochs per run of the worker cases (their pool start is paid once per run). Default 3. */
  readonly workerEpochs: number;
  /** Measured rounds; figures are medians over them. Default 5. */
  readonly repeats: number;
  /** Unmeasured rounds first. Default 1. */
  readonly warmup: number;
  /** Examples per epoch of the tfjs-data cases (they are slow). Default 6000. */
  readonly tfdataExamples: number;
  /** Data directory; default: see {@link loadBenchData}. */
  readonly data: string | undefined;
  /**
   * Run only the cases whose name contains one of these strings (the memcpy limit and the
   * generator always run: the ratios need them). Default: all.
   */
  readonly cases: readonly string[] | undefined;
  /** Progress lines while running. Default false (true when run standalone). */
  readonly verbose: boolean;
}

const DEFAULTS: ThroughputOptions = {
  backend: 'wasm',
  epochs: 1,
  workerEpochs: 3,
  repeats: 5,
  warmup: 1,
  tfdataExamples: 6000,
  data: undefined,
  cases: undefined,
  verbose: false,
};

/** Names of the two reference cases, which always run. */
const MEMCPY = 'memcpy limit';
const GENERATOR = 'generator (batchIter)';

function makeCases(d: BenchData, o: ThroughputOptions, tfdataExamples: number): BenchCase[] {
  const { images, labels, n } = d;
  const { epochs, workerEpochs } = o;
  const half = Math.floor(n / 2);
  const halves = [
    {
      images: { data: images.data.subarray(0, half * ROW), shape: [half, ROW] },
      labels: labels.subarray(0, half),
    },
    {
      images: { data: images.data.subarray(half * ROW), shape: [n - half, ROW] },
      labels: labels.subarray(half),
    },
  ];

  const queuefeedBatch = (numThreads: number): BenchCase => ({
    name: `queuefeed batch t=${numThreads}`,
    epochs,
    run: (seed, meter) => {
      // A registry per run so that each run starts exactly its own runners.
      const registry = new QueueRunnerRegistry();
      const src = sliceInputProducer([images, labels], { numEpochs: epochs, seed, registry });
      const b = batch(src, {
        batchSize: BATCH_SIZE,
        numThreads,
        allowSmallerFinalBatch: true,
        registry,
      });
      return drainBatches(b, registry, meter);
    },
  });

  const workerBatch = (workers: number): BenchCase => ({
    name: `queuefeed batch t=2 workers=${workers}`,
    epochs: workerEpochs,
    run: (seed, meter) => {
      // Shared-memory columns (copied once per process, outside the timing): the pool uses
      // them as they are instead of copying 188 MB into shared memory for every producer.
      const shared = shareBenchData(d);
      const registry = new QueueRunnerRegistry();
      const src = sliceInputProducer([shared.images, shared.labels], {
        numEpochs: workerEpochs,
        seed,
        registry,
        workers,
      });
      const b = batch(src, {
        batchSize: BATCH_SIZE,
        numThreads: 2,
        allowSmallerFinalBatch: true,
        registry,
      });
      return drainBatches(b, registry, meter);
    },
  });

  /** Iterates a tfjs-data dataset of `{ xs, ys }` batches, disposing each. */
  const drainDataset = async (
    ds: { iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }> },
    meter: Meter,
  ): Promise<void> => {
    const it = await ds.iterator();
    for (;;) {
      const r = await it.next();
      if (r.done === true) break;
      const value = r.value as { xs: Tensor; ys: Tensor };
      meter.batch(value.xs.shape[0] ?? 0);
      tf.dispose([value.xs, value.ys]);
    }
  };
  const m = tfdataExamples;

  return [
    {
      name: MEMCPY,
      epochs,
      run: (seed, meter) => {
        // The ceiling: the same permutation and row gathers, into one reused buffer, no tfjs.
        const rng = new Random(seed);
        const xb = new Float32Array(BATCH_SIZE * ROW);
        const yb = new Int32Array(BATCH_SIZE);
        let checksum = 0;
        for (let e = 0; e < epochs; e++) {
          const perm = rng.permutation(n);
          for (let start = 0; start + BATCH_SIZE <= n; start += BATCH_SIZE) {
            for (let j = 0; j < BATCH_SIZE; j++) {
              const i = perm[start + j] ?? 0;
              xb.set(images.data.subarray(i * ROW, (i + 1) * ROW), j * ROW);
              yb[j] = labels[i] ?? 0;
            }
            // Read the buffers so the copies are observably used.
            checksum += (xb[(start * 7) % xb.length] ?? 0) + (yb[0] ?? 0);
            meter.batch(BATCH_SIZE);
          }
        }
        if (Number.isNaN(checksum)) throw new Error('unreachable: NaN in data');
        return Promise.resolve();
      },
    },
    {
      name: GENERATOR,
      epochs,
      run: (seed, meter) => {
        for (const [x, y] of batchIter(images, labels, BATCH_SIZE, epochs, { seed })) {
          meter.batch(x.shape[0] ?? 0);
          tf.dispose([x, y]);
        }
        return Promise.resolve();
      },
    },
    queuefeedBatch(1),
    queuefeedBatch(2),
    queuefeedBatch(4),
    workerBatch(1),
    workerBatch(2),
    {
      name: 'queuefeed batch+map t=2',
      epochs,
      run: (seed, meter) => {
        const registry = new QueueRunnerRegistry();
        const src = sliceInputProducer([images, labels], { numEpochs: epochs, seed, registry });
        // Identity map: measures the cost of the per-example map hook alone.
        const mapped = src.map(([x, y]) => [x, y] as [typeof x, typeof y]);
        const b = batch(mapped, {
          batchSize: BATCH_SIZE,
          numThreads: 2,
          allowSmallerFinalBatch: true,
          registry,
        });
        return drainBatches(b, registry, meter);
      },
    },
    {
      name: 'queuefeed shuffleBatch t=2',
      epochs,
      run: (seed, meter) => {
        const registry = new QueueRunnerRegistry();
        const src = sliceInputProducer([images, labels], { numEpochs: epochs, seed, registry });
        const b = shuffleBatch(src, {
          batchSize: BATCH_SIZE,
          numThreads: 2,
          capacity: 1000,
          minAfterDequeue: 500,
          seed,
          allowSmallerFinalBatch: true,
          registry,
        });
        return drainBatches(b, registry, meter);
      },
    },
    {
      name: 'queuefeed batchJoin x2',
      epochs,
      run: (seed, meter) => {
        const registry = new QueueRunnerRegistry();
        const sources = halves.map((h, k) =>
          sliceInputProducer([h.images, h.labels], {
            numEpochs: epochs,
            seed: seed + k,
            registry,
          }),
        );
        const b = batchJoin(sources, {
          batchSize: BATCH_SIZE,
          allowSmallerFinalBatch: true,
          registry,
        });
        return drainBatches(b, registry, meter);
      },
    },
    {
      name: 'tfjs-data generator*',
      epochs,
      subset: m,
      run: (seed, meter) => {
        // The generator form tfjs-data users write: one small tensor pair per example,
        // shuffled through a 1000-example buffer, batched.
        const ds = tf.data
          .generator(function* () {
            for (let i = 0; i < m; i++) {
              yield {
                xs: tf.tensor1d(images.data.subarray(i * ROW, (i + 1) * ROW)),
                ys: tf.scalar(labels[i] ?? 0, 'int32'),
              };
            }
          })
          .shuffle(1000, String(seed))
          .batch(BATCH_SIZE)
          .repeat(epochs);
        return drainDataset(ds, meter);
      },
    },
    {
      name: 'tfjs-data array, typed rows*',
      epochs,
      subset: m,
      run: (seed, meter) => {
        // The array form over views of the rows (no copy to build): tf.data.array, a full
        // shuffle (the buffer holds the whole subset, like batchIter's permutation), batch.
        const items = Array.from({ length: m }, (_, i) => ({
          xs: images.data.subarray(i * ROW, (i + 1) * ROW),
          ys: labels[i] ?? 0,
        }));
        const ds = tf.data.array(items).shuffle(m, String(seed)).batch(BATCH_SIZE).repeat(epochs);
        return drainDataset(ds, meter);
      },
    },
    {
      name: 'tfjs-data array, tensor rows*',
      epochs,
      subset: m,
      run: async (seed, meter) => {
        // The array form over one tensor pair per example, made inside the timed run (a
        // pipeline has to build them from its data); batching then stacks tensors.
        const items = Array.from({ length: m }, (_, i) => ({
          xs: tf.tensor1d(images.data.subarray(i * ROW, (i + 1) * ROW)),
          ys: tf.scalar(labels[i] ?? 0, 'int32'),
        }));
        try {
          const ds = tf.data.array(items).shuffle(m, String(seed)).batch(BATCH_SIZE).repeat(epochs);
          await drainDataset(ds, meter);
        } finally {
          tf.dispose(items);
        }
      },
    },
  ];
}

function selectCases(all: BenchCase[], wanted: readonly string[] | undefined): BenchCase[] {
  if (wanted === undefined || wanted.length === 0) return all;
  return all.filter(
    (c) => c.name === MEMCPY || c.name === GENERATOR || wanted.some((w) => c.name.includes(w)),
  );
}

/** Ratio of two rates, as printed. */
function fmtRatio(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

/**
 * Runs the throughput benchmark: every case once per round, `warmup` unmeasured rounds then
 * `repeats` measured ones, and returns the table (medians, ratios vs the generator and the
 * memcpy limit, steady-state rates) and the raw figures.
 *
 * @example
 * ```ts
 * const report = await runThroughput({ repeats: 5 });
 * console.log(report.table);
 * ```
 */
export async function runThroughput(
  options: Partial<ThroughputOptions> = {},
): Promise<BenchReport> {
  const o: ThroughputOptions = { ...DEFAULTS, ...options };
  const { backend, machine, log } = await startBench(o);
  const data = await loadBenchData(o.data);
  const tfdataExamples = Math.min(o.tfdataExamples, data.n);
  const cases = selectCases(makeCases(data, o, tfdataExamples), o.cases);
  const usesWorkers = cases.some((c) => c.name.includes('workers='));
  const shareSeconds = usesWorkers ? shareBenchData(data).copySeconds : undefined;
  log(
    `data: ${data.n} x ${ROW} float32 + int32 labels, ${data.source}; batch ${BATCH_SIZE}; ` +
      `${o.warmup} warm-up round(s), ${o.repeats} measured rounds`,
  );

  const figures = await measureRounds(cases, o, log);
  const whole = figures.map((f) => f.rates);

  const medians = whole.map(median);
  const steadyMedians = figures.map((f) => median(f.steadyRates));
  const iMemcpy = cases.findIndex((c) => c.name === MEMCPY);
  const iGen = cases.findIndex((c) => c.name === GENERATOR);
  const memcpyMedian = medians[iMemcpy] ?? Number.NaN;
  const generatorMedian = medians[iGen] ?? Number.NaN;
  const generatorSteady = steadyMedians[iGen] ?? Number.NaN;
  const results: ThroughputCaseResult[] = cases.map((bc, c) => {
    const r = whole[c] ?? [];
    const med = medians[c] ?? Number.NaN;
    const st = steadyMedians[c] ?? Number.NaN;
    return {
      name: bc.name,
      epochsPerRun: bc.epochs,
      examplesPerRun: figures[c]?.examples ?? 0,
      rates: r,
      steadyRates: figures[c]?.steadyRates ?? [],
      firstBatchMs: figures[c]?.firstBatchMs ?? [],
      median: med,
      min: Math.min(...r),
      max: Math.max(...r),
      steadyMedian: st,
      ratioVsGenerator: med / generatorMedian,
      ratioVsMemcpy: med / memcpyMedian,
      steadyRatioVsGenerator: st / generatorSteady,
      tensorDeltas: figures[c]?.tensorDeltas ?? [],
    };
  });

  // Targets 1 and 2 of issue 4, from the medians of this run.
  const byName = (name: string): ThroughputCaseResult | undefined =>
    results.find((r) => r.name === name);
  const t2 = byName('queuefeed batch t=2');
  const tfdataBest = Math.max(
    ...results.filter((r) => r.name.startsWith('tfjs-data')).map((r) => r.median),
  );
  const targets = {
    batchT2VsGenerator: t2?.ratioVsGenerator ?? Number.NaN,
    batchT2VsMemcpy: t2?.ratioVsMemcpy ?? Number.NaN,
    batchT2VsBestTfjsData: t2 === undefined ? Number.NaN : t2.median / tfdataBest,
  };

  const table = textTable(
    [
      'case',
      'epochs/run',
      'median ex/s',
      'min',
      'max',
      'vs generator',
      'vs memcpy',
      'steady ex/s',
      'steady vs gen',
      '1st batch ms',
      'tensors left',
    ],
    results.map((r) => [
      r.name,
      String(r.epochsPerRun),
      fmtInt(r.median),
      fmtInt(r.min),
      fmtInt(r.max),
      fmtRatio(r.ratioVsGenerator),
      fmtRatio(r.ratioVsMemcpy),
      fmtInt(r.steadyMedian),
      fmtRatio(r.steadyRatioVsGenerator),
      median(r.firstBatchMs).toFixed(1),
      String(Math.max(0, ...r.tensorDeltas.map(Math.abs))),
    ]),
  );
  const notes = [
    `medians of ${o.repeats} runs (after ${o.warmup} warm-up round(s)), data: ${data.n} x ${ROW}, ` +
      `${data.source}; backend ${backend}; load average at start ${machine.loadAverage1m}.`,
    "'median ex/s' times the whole run: building the pipeline, every batch received and " +
      "disposed, runners joined. 'steady ex/s' is the rate over the second half of the batches " +
      "(from the middle batch to the last): it leaves out start-up. '1st batch ms': median time " +
      'from the start of a run to its first batch.',
    `workers=k: the producer's rows are gathered on k piscina worker threads into recycled ` +
      `SharedArrayBuffers. Each run builds a new producer, so it pays the pool's start ` +
      `(worker threads loading tsx and the gather module, ~0.3-0.8 s) once; these cases run ` +
      `${o.workerEpochs} epochs per run to amortise it, and 'steady ex/s' excludes it. ` +
      `Their columns are in shared memory from the start` +
      (shareSeconds === undefined
        ? '.'
        : ` (one copy per process, ${shareSeconds.toFixed(2)} s, not timed; a producer ` +
          `given ordinary arrays pays that copy itself, once per producer).`),
    `* tfjs-data measured on the first ${tfdataExamples} examples per epoch (not ${data.n}): ` +
      'tf.data.array over 60 000 rows takes ~25-30 s per epoch here, too slow to repeat; the ' +
      'figures are rates and stay comparable. Array forms shuffle the whole subset (like ' +
      "batchIter's permutation); the generator form uses a 1000-example buffer. Typed rows: " +
      'elements { xs: Float32Array view, ys: number }, batched by tfjs-data from JS values; ' +
      'tensor rows: one tensor1d + scalar per example, made inside the timed run.',
    "'tensors left': the largest |numTensors after - before| over the runs (0: nothing leaked).",
    `targets (issue 4): batch t=2 / generator = ${fmtRatio(targets.batchT2VsGenerator)} ` +
      `(>= 1.0), / memcpy = ${fmtRatio(targets.batchT2VsMemcpy)} (>= 0.8), / best tfjs-data = ` +
      `${fmtRatio(targets.batchT2VsBestTfjsData)} (>= 25).`,
  ];

  return benchReport(machine, {
    title: 'Throughput: input pipelines, examples/s (batch 100, shuffled every epoch)',
    table: `${table}\n\n${notes.join('\n')}`,
    data: {
      config: {
        batchSize: BATCH_SIZE,
        epochs: o.epochs,
        workerEpochs: o.workerEpochs,
        repeats: o.repeats,
        warmup: o.warmup,
        tfdataExamples,
        examples: data.n,
        dataSource: data.source,
        sharedCopySeconds: shareSeconds ?? null,
      },
      results,
      targets,
    },
  });
}

function parseCli(): BenchCli<ThroughputOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      epochs: { type: 'string', default: String(DEFAULTS.epochs) },
      'worker-epochs': { type: 'string', default: String(DEFAULTS.workerEpochs) },
      repeats: { type: 'string', default: String(DEFAULTS.repeats) },
      warmup: { type: 'string', default: String(DEFAULTS.warmup) },
      'tfdata-examples': { type: 'string', default: String(DEFAULTS.tfdataExamples) },
      data: { type: 'string' },
      cases: { type: 'string' },
    },
    strict: true,
  });
  return {
    options: {
      backend: backendArg(values.backend),
      epochs: intArg('epochs', values.epochs, 1),
      workerEpochs: intArg('worker-epochs', values['worker-epochs'], 1),
      repeats: intArg('repeats', values.repeats, 1),
      warmup: intArg('warmup', values.warmup, 0),
      tfdataExamples: intArg('tfdata-examples', values['tfdata-examples'], BATCH_SIZE),
      data: values.data,
      cases: values.cases?.split(',').filter((s) => s !== ''),
      verbose: true,
    },
    json: values.json,
  };
}

await runStandalone(import.meta.url, parseCli, runThroughput);
