/**
 * A CPU-bound per-example map on worker threads against the same map on the main thread
 * (issue 4, target 4: 2 workers >= 1.8x the main thread on 2 cores).
 *
 * The map is `bench/augment.ts` (random crop, flip, smoothing, brightness/contrast jitter,
 * normalise; ~50 µs of CPU per 28x28 image, measured and printed here). Every case feeds
 * `batch(..., { batchSize: 100, allowSmallerFinalBatch: true })` from a `sliceInputProducer`
 * over Fashion-MNIST (60 000 x 784) and the consumer disposes each batch's tensors:
 *
 * - `main thread, block + inline map`: the block path (whole batches gathered on the main
 *   thread into recycled arrays) with the map applied to each gathered row in place, seeded
 *   exactly as the workers seed it. The fastest honest main-thread form: no per-example
 *   element, view, copy or queue slot; the ratios are taken against it (or against the
 *   per-example form when that is faster).
 * - `main thread, per-example .map`: `sliceInputProducer(...).map(fn)` the way a user writes
 *   it, `fn` copying the row (the producer's rows are views into the data) and augmenting the
 *   copy.
 * - `workers=1`, `workers=2`: `sliceInputProducer(..., { workers, workerMap: new
 *   URL('./augment.ts', import.meta.url) })`: rows gathered and mapped on piscina worker
 *   threads into recycled SharedArrayBuffers; the main thread only makes the tensors.
 *
 * A separate, untimed check runs the inline, 1-worker and 2-worker pipelines once more with
 * the same seed and `output: 'arrays'`, and compares checksums of every batch in order: the
 * map's randomness depends only on the seed and the example's position, so the three must
 * give identical batches.
 *
 * Run: `npx tsx bench/workers.ts [--backend wasm] [--epochs 1] [--examples 60000]
 * [--repeats 5] [--warmup 1] [--threads 8] [--capacity 32] [--no-check] [--data DIR]
 * [--json FILE]`.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  batch,
  Coordinator,
  OutOfRangeError,
  QueueRunnerRegistry,
  sliceInputProducer,
  startQueueRunners,
  type BlockSource,
  type RowBlock,
} from './lib.js';
import type { BlockingOptions } from './lib.js';
import type { WorkerMapInfo } from './lib.js';
import { Random, seedFor } from './lib.js';
import type { BackendName } from './lib.js';
import { AUGMENT_BLUR_PASSES, augmentImage } from './augment.js';
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
import {
  drainBatches,
  loadBenchData,
  measureRounds,
  Meter,
  shareBenchData,
  type BenchData,
} from './throughput.js';

/** Values per image (28 x 28). */
const ROW = 784;
/** Examples per batch. */
const BATCH_SIZE = 100;
/** The map module the workers load. */
const AUGMENT_MODULE = new URL('./augment.ts', import.meta.url);

/**
 * Options of {@link runWorkers}; every field has a default.
 *
 * @example
 * ```ts
 * await runWorkers({ repeats: 5, examples: 60000 });
 * ```
 */
export interface WorkersOptions {
  /** tfjs backend. Default 'wasm'. */
  readonly backend: BackendName;
  /** Epochs per run. Default 1. */
  readonly epochs: number;
  /** Examples per epoch: the first `examples` rows of the data. Default 60 000 (all). */
  readonly examples: number;
  /** Measured rounds; figures are medians over them. Default 5. */
  readonly repeats: number;
  /** Unmeasured rounds first. Default 1. */
  readonly warmup: number;
  /**
   * Runner threads of the batcher in every case: blocks in flight. Two workers take two tasks
   * each, and a task whose block is done waits for its turn (blocks are delivered in order),
   * so 4 threads leave the workers short now and then (1.72x steady measured) and 8 keep
   * them busy (1.86x). Default 8.
   */
  readonly threads: number;
  /** Batcher capacity in examples (32, TensorFlow's default: one block of 100). Default 32. */
  readonly capacity: number;
  /** Run the checksum comparison of the inline, 1-worker and 2-worker batches. Default true. */
  readonly check: boolean;
  /** Data directory; default: see `loadBenchData` in `bench/throughput.ts`. */
  readonly data: string | undefined;
  /** Progress lines while running. Default false (true when run standalone). */
  readonly verbose: boolean;
}

const DEFAULTS: WorkersOptions = {
  backend: 'wasm',
  epochs: 1,
  examples: 60_000,
  repeats: 5,
  warmup: 1,
  threads: 8,
  capacity: 32,
  check: true,
  data: undefined,
  verbose: false,
};

/** The `info` the workers give the map for the example at `position` (see gather-worker). */
function infoAt(seed: number, position: number): WorkerMapInfo {
  let random: Random | undefined;
  return {
    // Not known on the inline path (blocks do not carry their row indices); augment does not
    // read it.
    index: -1,
    position,
    random: () => (random ??= new Random(seedFor(seed, position))).float(),
  };
}

/**
 * A block source that applies the augmentation to each block a slice producer gathers on the
 * main thread, in place (the block's arrays are recycled buffers owned by the block), with the
 * randomness the workers would use: `batch` takes its block path, so the only per-example
 * work is the map itself. Reads are served in call order, so a counter taken at the call is
 * each block's stream position.
 */
function inlineAugmented(
  upstream: BlockSource,
  seed: number,
): BlockSource & {
  dequeue(): Promise<never>;
} {
  let next = 0;
  return {
    elementSpec: upstream.elementSpec,
    async readBlock(n: number, options?: BlockingOptions): Promise<RowBlock> {
      const first = next;
      next += n;
      const block = await upstream.readBlock(n, options);
      const images = block.columns[0];
      if (!(images instanceof Float32Array)) throw new Error('expected float32 images');
      for (let j = 0; j < block.length; j++) {
        augmentImage(images.subarray(j * ROW, (j + 1) * ROW), infoAt(seed, first + j));
      }
      return block;
    },
    // `batch` only checks that it exists: on the block path it never calls it.
    dequeue: () => Promise.reject(new Error('inlineAugmented: read it with readBlock')),
  };
}

/** The four pipelines measured. */
type CaseName =
  | 'main thread, block + inline map'
  | 'main thread, per-example .map'
  | 'workers=1 (workerMap)'
  | 'workers=2 (workerMap)';

const CASES: readonly CaseName[] = [
  'main thread, block + inline map',
  'main thread, per-example .map',
  'workers=1 (workerMap)',
  'workers=2 (workerMap)',
];

/** Builds one case's batcher on `registry`. */
function buildCase(
  name: CaseName,
  d: BenchData,
  o: WorkersOptions,
  seed: number,
  registry: QueueRunnerRegistry,
  output: 'tensor' | 'arrays',
): { dequeue(): Promise<unknown> } {
  const columns: [{ data: Float32Array; shape: [number, number] }, Int32Array] = [
    { data: d.images.data.subarray(0, o.examples * ROW), shape: [o.examples, ROW] },
    d.labels.subarray(0, o.examples),
  ];
  const batchOptions = {
    batchSize: BATCH_SIZE,
    numThreads: o.threads,
    capacity: o.capacity,
    allowSmallerFinalBatch: true,
    output,
    registry,
  };
  const producerOptions = { numEpochs: o.epochs, seed, registry };
  switch (name) {
    case 'main thread, block + inline map': {
      const src = sliceInputProducer(columns, producerOptions);
      return batch(inlineAugmented(src, seed), batchOptions);
    }
    case 'main thread, per-example .map': {
      const src = sliceInputProducer<[Float32Array, number]>(columns, producerOptions);
      // Rows are views into the data: augment a copy. The randomness follows the call order
      // (a counter), which with several runner threads is not the stream order, so this
      // case is not part of the checksum comparison.
      let calls = 0;
      const mapped = src.map(([image, label]): [Float32Array, number] => {
        const copy = image.slice();
        augmentImage(copy, infoAt(seed, calls++));
        return [copy, label];
      });
      return batch(mapped, batchOptions);
    }
    case 'workers=1 (workerMap)':
    case 'workers=2 (workerMap)': {
      const src = sliceInputProducer(columns, {
        ...producerOptions,
        workers: name === 'workers=1 (workerMap)' ? 1 : 2,
        workerMap: AUGMENT_MODULE,
      });
      return batch(src, batchOptions);
    }
  }
}

/** One pipeline's checksum over every batch of a run. */
interface ChecksumResult {
  readonly name: CaseName;
  readonly hash: string;
  readonly batches: number;
  readonly examples: number;
}

/** FNV-1a over 32-bit words, continued from `h`. */
function fnv(h: number, words: Uint32Array): number {
  let x = h;
  for (let i = 0; i < words.length; i++) x = Math.imul(x ^ words[i]!, 0x01000193);
  return x >>> 0;
}

/** Runs one case with `output: 'arrays'` and hashes every batch in order. */
async function checksum(
  name: CaseName,
  d: BenchData,
  o: WorkersOptions,
  seed: number,
): Promise<{ hash: string; batches: number; examples: number }> {
  const registry = new QueueRunnerRegistry();
  const b = buildCase(name, d, o, seed, registry, 'arrays');
  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  let h = 0x811c9dc5;
  let batches = 0;
  let examples = 0;
  try {
    for (;;) {
      let parts: unknown;
      try {
        parts = await b.dequeue();
      } catch (e) {
        if (e instanceof OutOfRangeError) break;
        throw e;
      }
      const [x, y] = parts as [{ data: Float32Array }, { data: Int32Array }];
      h = fnv(h, new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.length));
      h = fnv(h, new Uint32Array(y.data.buffer, y.data.byteOffset, y.data.length));
      batches++;
      examples += y.data.length;
    }
  } finally {
    coord.requestStop();
    await coord.join(threads);
  }
  return { hash: h.toString(16).padStart(8, '0'), batches, examples };
}

/**
 * The augmentation's cost on the main thread, µs per example (wall and CPU), medians of 5
 * passes over `count` examples (each copied into a scratch row first, as a pipeline would).
 */
function measureAugment(d: BenchData, count: number): { wallUs: number; cpuUs: number } {
  const row = new Float32Array(ROW);
  const n = Math.min(count, d.n);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let pass = 0; pass < 6; pass++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      row.set(d.images.data.subarray(i * ROW, (i + 1) * ROW));
      augmentImage(row, infoAt(7, pass * n + i));
    }
    const c = process.cpuUsage(c0);
    // The first pass warms the JIT up.
    if (pass > 0) {
      walls.push(((performance.now() - t0) * 1000) / n);
      cpus.push((c.user + c.system) / n);
    }
  }
  return { wallUs: median(walls), cpuUs: median(cpus) };
}

/**
 * One case's figures.
 *
 * @example
 * ```ts
 * const r: WorkersCaseResult = { name: 'workers=2 (workerMap)', rates: [], steadyRates: [], firstBatchMs: [], median: 0, steadyMedian: 0, examplesPerRun: 60000, tensorDeltas: [] };
 * ```
 */
export interface WorkersCaseResult {
  readonly name: string;
  readonly examplesPerRun: number;
  /** Whole-run rates, examples/s, one per measured round. */
  readonly rates: number[];
  /** Rates over the second half of the batches, examples/s. */
  readonly steadyRates: number[];
  /** Milliseconds from the start of each run to its first batch. */
  readonly firstBatchMs: number[];
  readonly median: number;
  readonly steadyMedian: number;
  /** `tf.memory().numTensors` after each run minus before. */
  readonly tensorDeltas: number[];
}

/**
 * Runs the worker-thread benchmark: the augmentation's measured cost, the four pipelines
 * interleaved over `warmup + repeats` rounds, the ratios, and the checksum comparison.
 *
 * @example
 * ```ts
 * const report = await runWorkers({ repeats: 5 });
 * console.log(report.table);
 * ```
 */
export async function runWorkers(options: Partial<WorkersOptions> = {}): Promise<BenchReport> {
  const loaded = await loadBenchData(options.data);
  const o: WorkersOptions = {
    ...DEFAULTS,
    ...options,
    examples: Math.min(options.examples ?? DEFAULTS.examples, loaded.n),
  };
  const { backend, machine, log } = await startBench(o);
  // Shared memory from the start, so the worker cases do not copy the columns per run.
  const d = shareBenchData(loaded);
  log(
    `data: ${o.examples} x ${ROW} of ${d.source}; batch ${BATCH_SIZE}, ${o.threads} runner ` +
      `threads, capacity ${o.capacity}, ${o.epochs} epoch(s) per run`,
  );

  const cost = measureAugment(d, 5000);
  log(
    `augment (${AUGMENT_BLUR_PASSES} smoothing passes): ${cost.wallUs.toFixed(1)} µs/example ` +
      `wall, ${cost.cpuUs.toFixed(1)} µs CPU, on the main thread`,
  );

  const figures = await measureRounds(
    CASES.map((name) => ({
      name,
      run: (seed: number, meter: Meter) => {
        const registry = new QueueRunnerRegistry();
        return drainBatches(buildCase(name, d, o, seed, registry, 'tensor'), registry, meter);
      },
    })),
    o,
    log,
  );

  const results: WorkersCaseResult[] = CASES.map((name, c) => {
    const f = figures[c]!;
    return {
      name,
      examplesPerRun: f.examples,
      rates: f.rates,
      steadyRates: f.steadyRates,
      firstBatchMs: f.firstBatchMs,
      median: median(f.rates),
      steadyMedian: median(f.steadyRates),
      tensorDeltas: f.tensorDeltas,
    };
  });
  const [inline, perExample, w1, w2] = results;
  const mainBest = (perExample?.median ?? 0) > (inline?.median ?? 0) ? perExample : inline;
  const mainBestSteady =
    (perExample?.steadyMedian ?? 0) > (inline?.steadyMedian ?? 0) ? perExample : inline;
  const ratio = (r: WorkersCaseResult | undefined): number =>
    (r?.median ?? Number.NaN) / (mainBest?.median ?? Number.NaN);
  const steadyRatio = (r: WorkersCaseResult | undefined): number =>
    (r?.steadyMedian ?? Number.NaN) / (mainBestSteady?.steadyMedian ?? Number.NaN);

  let check: { seed: number; results: ChecksumResult[]; identical: boolean } | undefined;
  if (o.check) {
    const seed = 4242;
    const compared: CaseName[] = [
      'main thread, block + inline map',
      'workers=1 (workerMap)',
      'workers=2 (workerMap)',
    ];
    const sums: ChecksumResult[] = [];
    for (const name of compared) sums.push({ name, ...(await checksum(name, d, o, seed)) });
    const identical = sums.every((s) => s.hash === sums[0]?.hash && s.batches === sums[0]?.batches);
    check = { seed, results: sums, identical };
    for (const s of sums) log(`  checksum ${s.name}: ${s.hash} (${s.batches} batches)`);
  }

  const fmtRatio = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const table = textTable(
    [
      'case',
      'median ex/s',
      'min',
      'max',
      'vs main thread',
      'steady ex/s',
      'steady vs main',
      '1st batch ms',
      'tensors left',
    ],
    results.map((r) => [
      r.name,
      fmtInt(r.median),
      fmtInt(Math.min(...r.rates)),
      fmtInt(Math.max(...r.rates)),
      fmtRatio(ratio(r)),
      fmtInt(r.steadyMedian),
      fmtRatio(steadyRatio(r)),
      median(r.firstBatchMs).toFixed(0),
      String(Math.max(0, ...r.tensorDeltas.map(Math.abs))),
    ]),
  );
  const target = {
    twoWorkersVsMainThread: ratio(w2),
    twoWorkersVsMainThreadSteady: steadyRatio(w2),
    twoWorkersVsOneWorkerSteady:
      (w2?.steadyMedian ?? Number.NaN) / (w1?.steadyMedian ?? Number.NaN),
  };
  const notes = [
    `augment: ${AUGMENT_BLUR_PASSES} smoothing passes; measured on the main thread at ` +
      `${cost.wallUs.toFixed(1)} µs/example wall, ${cost.cpuUs.toFixed(1)} µs/example CPU ` +
      `(target ~50; the rest of the machine's load inflates both).`,
    `medians of ${o.repeats} runs (after ${o.warmup} warm-up round(s)), ${o.epochs} epoch(s) of ` +
      `${o.examples} examples per run, batch ${BATCH_SIZE}, ${o.threads} runner threads, ` +
      `capacity ${o.capacity}, backend ${backend}, tensors disposed by the consumer; ` +
      `${os.cpus().length} cores, load average at start ${machine.loadAverage1m}.`,
    "'vs main thread' divides by the faster main-thread form. 'median ex/s' times the whole " +
      "run, including the worker pool's start (threads loading tsx and the map module, " +
      "~0.3-0.8 s, paid once per producer); 'steady ex/s' is the rate over the second half of " +
      "the batches, which is what a training run of many epochs sees; '1st batch ms', the " +
      'median time from the start of a run to its first batch (the pool start shows there).',
    `target 4 (issue 4): 2 workers / main thread = ${fmtRatio(target.twoWorkersVsMainThreadSteady)} ` +
      `steady, ${fmtRatio(target.twoWorkersVsMainThread)} whole run (>= 1.8 on 2 cores); ` +
      `2 workers / 1 worker = ${fmtRatio(target.twoWorkersVsOneWorkerSteady)} steady.`,
    check === undefined
      ? 'checksum comparison skipped (--no-check).'
      : `same seed (${check.seed}), 1 run each with output 'arrays': ` +
        check.results.map((s) => `${s.name} ${s.hash}`).join(', ') +
        (check.identical ? ' -> identical batches.' : ' -> DIFFERENT batches.'),
  ];
  return benchReport(machine, {
    title: 'CPU-bound map (augment, ~50 µs/example): worker threads vs the main thread',
    table: `${table}\n\n${notes.join('\n')}`,
    data: {
      config: {
        epochs: o.epochs,
        examples: o.examples,
        repeats: o.repeats,
        warmup: o.warmup,
        threads: o.threads,
        capacity: o.capacity,
        batchSize: BATCH_SIZE,
        dataSource: d.source,
        augmentBlurPasses: AUGMENT_BLUR_PASSES,
      },
      augmentCost: cost,
      results,
      target,
      check: check ?? null,
    },
  });
}

function parseCli(): BenchCli<WorkersOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      epochs: { type: 'string', default: String(DEFAULTS.epochs) },
      examples: { type: 'string', default: String(DEFAULTS.examples) },
      repeats: { type: 'string', default: String(DEFAULTS.repeats) },
      warmup: { type: 'string', default: String(DEFAULTS.warmup) },
      threads: { type: 'string', default: String(DEFAULTS.threads) },
      capacity: { type: 'string', default: String(DEFAULTS.capacity) },
      'no-check': { type: 'boolean', default: false },
      data: { type: 'string' },
    },
    strict: true,
  });
  return {
    options: {
      backend: backendArg(values.backend),
      epochs: intArg('epochs', values.epochs, 1),
      examples: intArg('examples', values.examples, BATCH_SIZE),
      repeats: intArg('repeats', values.repeats, 1),
      warmup: intArg('warmup', values.warmup, 0),
      threads: intArg('threads', values.threads, 1),
      capacity: intArg('capacity', values.capacity, 1),
      check: !values['no-check'],
      data: values.data,
      verbose: true,
    },
    json: values.json,
  };
}

await runStandalone(import.meta.url, parseCli, runWorkers);
