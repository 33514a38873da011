/**
 * Input-pipeline throughput in examples per second, side by side: a bare copy loop (the
 * ceiling), the plain `batchIter` generator (the baseline queuefeed is held to), queuefeed's
 * batchers in several shapes, and tfjs-data's `generator().shuffle().batch()`.
 *
 * Every case reads the same Fashion-MNIST-shaped data in the same process; the cases are
 * interleaved (round r runs every case once) so that drift in machine load or JIT state is
 * spread over all of them instead of favouring whichever ran first.
 *
 * Run: `npx tsx bench/throughput.ts [--backend wasm|cpu|tensorflow] [--epochs N]
 * [--repeats N] [--warmup N] [--tfdata-examples N] [--data DIR]`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
} from '../index.js';
import { batchIter } from '../consumers/batch-iter.js';
import { loadMnist } from '../producers/mnist.js';
import { Random } from '../src/random.js';
import { tf, tfImpl, useBackend, type BackendName } from '../src/tf.js';

const BATCH_SIZE = 100;
const ROW = 784;
const DEFAULT_DATA_DIR = '/work/shared/datasets/fashion-mnist';

/** The data every case reads: `n` rows of `ROW` float32 pixels and one int32 label each. */
interface BenchData {
  readonly images: { readonly data: Float32Array; readonly shape: [number, number] };
  readonly labels: Int32Array;
  readonly n: number;
  /** Where the data came from, for the report. */
  readonly source: string;
}

/** One measured case: runs one measurement and returns how many examples it delivered. */
interface BenchCase {
  readonly name: string;
  readonly run: (seed: number) => Promise<number>;
}

/** What the report and `results.json` hold for one case. */
interface CaseResult {
  readonly name: string;
  readonly examplesPerRun: number;
  readonly rates: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratioVsGenerator: number;
  readonly ratioVsMemcpy: number;
  /** `tf.memory().numTensors` after each run minus its value before the case. */
  readonly tensorDeltas: number[];
}

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    epochs: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'tfdata-examples': { type: 'string', default: '6000' },
    data: { type: 'string' },
  },
  strict: true,
});

function positiveInt(name: string, text: string, allowZero = false): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new Error(`--${name} must be an integer >= ${allowZero ? 0 : 1}, got ${text}`);
  }
  return v;
}

const epochs = positiveInt('epochs', args.epochs);
const repeats = positiveInt('repeats', args.repeats);
const warmup = positiveInt('warmup', args.warmup, true);
const tfdataExamplesWanted = positiveInt('tfdata-examples', args['tfdata-examples']);
const backendArg = args.backend;
if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backendArg)) {
  throw new Error(`--backend must be auto, tensorflow, wasm or cpu, got ${backendArg}`);
}

async function loadData(): Promise<BenchData> {
  const dir = args.data ?? process.env.QUEUEFEED_DATA ?? DEFAULT_DATA_DIR;
  if (existsSync(path.join(dir, 'train-images-idx3-ubyte.gz'))) {
    const { train } = await loadMnist(dir, { scale: true });
    // `scale: true` and no `oneHot` promise these types; check rather than cast blindly.
    if (
      !(train.images.data instanceof Float32Array) ||
      !(train.labels.data instanceof Int32Array)
    ) {
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
  // No data set here: same shape, random values; throughput does not depend on the values.
  const n = 60_000;
  const rng = new Random(1);
  const images = new Float32Array(n * ROW);
  for (let i = 0; i < images.length; i++) images[i] = Math.random();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return {
    images: { data: images, shape: [n, ROW] },
    labels,
    n,
    source: 'random (no data set found)',
  };
}

/** Dequeues batches until `OutOfRangeError`, disposing each; returns the examples seen. */
async function drain(
  batches: { dequeue(): Promise<readonly Tensor[]> },
  registry: QueueRunnerRegistry,
): Promise<number> {
  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  let count = 0;
  try {
    for (;;) {
      let b: readonly Tensor[];
      try {
        b = await batches.dequeue();
      } catch (e) {
        if (e instanceof OutOfRangeError) break;
        throw e;
      }
      count += b[0]?.shape[0] ?? 0;
      disposeTensorsIn(b);
    }
  } finally {
    coord.requestStop();
    await coord.join(threads);
  }
  return count;
}

function makeCases(d: BenchData, tfdataExamples: number): BenchCase[] {
  const { images, labels, n } = d;
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
    run: (seed) => {
      // A registry per run so that each run starts exactly its own runners.
      const registry = new QueueRunnerRegistry();
      const src = sliceInputProducer([images, labels], { numEpochs: epochs, seed, registry });
      const b = batch(src, {
        batchSize: BATCH_SIZE,
        numThreads,
        allowSmallerFinalBatch: true,
        registry,
      });
      return drain(b, registry);
    },
  });

  return [
    {
      name: 'memcpy limit',
      run: (seed) => {
        // The ceiling: the same permutation and row gathers, into one reused buffer, no tfjs.
        const rng = new Random(seed);
        const xb = new Float32Array(BATCH_SIZE * ROW);
        const yb = new Int32Array(BATCH_SIZE);
        let count = 0;
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
            count += BATCH_SIZE;
          }
        }
        if (Number.isNaN(checksum)) throw new Error('unreachable: NaN in data');
        return Promise.resolve(count);
      },
    },
    {
      name: 'generator (batchIter)',
      run: (seed) => {
        let count = 0;
        for (const [x, y] of batchIter(images, labels, BATCH_SIZE, epochs, { seed })) {
          count += x.shape[0] ?? 0;
          tf.dispose([x, y]);
        }
        return Promise.resolve(count);
      },
    },
    queuefeedBatch(1),
    queuefeedBatch(2),
    queuefeedBatch(4),
    {
      name: 'queuefeed batch+map t=2',
      run: (seed) => {
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
        return drain(b, registry);
      },
    },
    {
      name: 'queuefeed shuffleBatch t=2',
      run: (seed) => {
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
        return drain(b, registry);
      },
    },
    {
      name: 'queuefeed batchJoin x2',
      run: (seed) => {
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
        return drain(b, registry);
      },
    },
    {
      name: `tfjs-data gen.shuffle.batch*`,
      run: async (seed) => {
        // tf.data.array over 60 000 objects is too slow to build per run, so this is the
        // generator form tfjs-data users write: one small tensor pair per example, shuffled
        // through a 1000-example buffer, batched. Measured on the first `tfdataExamples`
        // examples per epoch; the result is a rate, so the subset stays comparable.
        const m = tfdataExamples;
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
        const it = await ds.iterator();
        let count = 0;
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          const value = r.value as { xs: Tensor; ys: Tensor };
          count += value.xs.shape[0] ?? 0;
          tf.dispose([value.xs, value.ys]);
        }
        return count;
      },
    },
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function fmtRate(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  // First column left-aligned (names), the rest right-aligned (numbers).
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const backend = await useBackend(backendArg as BackendName);
  const data = await loadData();
  const tfdataExamples = Math.min(tfdataExamplesWanted, data.n);
  const cases = makeCases(data, tfdataExamples);
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    tfImpl,
    tfjsVersion: tf.version.tfjs,
    backend,
  };
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, ` +
      `${machine.platform}, ${machine.tfImpl} ${machine.tfjsVersion}, backend ${backend}`,
  );
  console.log(
    `data: ${data.n} x ${ROW} float32 + int32 labels, ${data.source}; batch ${BATCH_SIZE}, ` +
      `${epochs} epoch(s) per run, ${warmup} warm-up round(s), ${repeats} measured rounds`,
  );

  const rates = cases.map((): number[] => []);
  const deltas = cases.map((): number[] => []);
  const examples = cases.map(() => 0);
  const rounds = warmup + repeats;
  for (let round = 0; round < rounds; round++) {
    const measured = round >= warmup;
    const label = measured ? `round ${round - warmup + 1}/${repeats}` : `warm-up ${round + 1}`;
    for (const [c, bc] of cases.entries()) {
      const before = tf.memory().numTensors;
      const seed = 1000 * round + c;
      const t0 = process.hrtime.bigint();
      const count = await bc.run(seed);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const delta = tf.memory().numTensors - before;
      const rate = count / seconds;
      console.log(
        `  ${label.padEnd(11)} ${bc.name.padEnd(30)} ${fmtRate(rate).padStart(12)} ex/s ` +
          `(${count} ex in ${seconds.toFixed(3)} s, tensors ${delta >= 0 ? '+' : ''}${delta})`,
      );
      if (measured) {
        rates[c]?.push(rate);
        deltas[c]?.push(delta);
        examples[c] = count;
      }
    }
  }

  const medians = rates.map(median);
  const generatorMedian = medians[1] ?? Number.NaN;
  const memcpyMedian = medians[0] ?? Number.NaN;
  const results: CaseResult[] = cases.map((bc, c) => {
    const r = rates[c] ?? [];
    const m = medians[c] ?? Number.NaN;
    return {
      name: bc.name,
      examplesPerRun: examples[c] ?? 0,
      rates: r,
      median: m,
      min: Math.min(...r),
      max: Math.max(...r),
      ratioVsGenerator: m / generatorMedian,
      ratioVsMemcpy: m / memcpyMedian,
      tensorDeltas: deltas[c] ?? [],
    };
  });

  console.log('');
  console.log(
    table(
      [
        'case',
        'median ex/s',
        'min',
        'max',
        'ratio vs generator',
        'ratio vs memcpy',
        'tensors left',
      ],
      results.map((r) => [
        r.name,
        fmtRate(r.median),
        fmtRate(r.min),
        fmtRate(r.max),
        r.ratioVsGenerator.toFixed(2),
        r.ratioVsMemcpy.toFixed(3),
        String(Math.max(...r.tensorDeltas.map(Math.abs))),
      ]),
    ),
  );
  console.log(
    `* tfjs-data measured on the first ${tfdataExamples} examples per epoch (not ${data.n}); ` +
      'its figure is a rate, comparable with the others.',
  );
  console.log(
    `medians of ${repeats} runs; 'tensors left' is the largest |numTensors after - before| ` +
      'over the runs (0 = nothing leaked).',
  );

  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
  const report = {
    date: new Date().toISOString(),
    machine,
    config: {
      batchSize: BATCH_SIZE,
      epochs,
      repeats,
      warmup,
      tfdataExamples,
      examples: data.n,
      dataSource: data.source,
    },
    results,
  };
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

await main();
