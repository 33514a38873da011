/**
 * Soak test: millions of examples through a 3-stage pipeline, checking that nothing is lost,
 * nothing is doubled, no tensor leaks and memory stays flat (issue 5, item 6).
 *
 * The pipeline:
 *
 * 1. `rangeInputProducer(D, { numEpochs: E, shuffle: true })`: the ids 0..D-1, each epoch in
 *    a fresh order (N = D x E examples in all; default 1 000 000 x 10);
 * 2. `.map` turning id `i` into `[row, i]` (16 floats derived from `i`), pausing now and then
 *    for 1-5 ms (a slow read), feeding `batch` with 8 tasks (batches of 100 as tensors);
 * 3. `shuffleBatch` with 8 tasks and `enqueueMany`, re-batching those tensors into batches of
 *    128 (the stage-2 batch tensors are the pipeline's: unbatched, then disposed).
 *
 * The consumer reads each final batch back (`dataSync`), checks every row against its id,
 * counts each id, sums the ids (mod 2^32), disposes the batch, and pauses now and then for
 * 1-20 ms, so the queues fill and the producers block on full queues. Every 10 s it prints
 * the rate, RSS (`process.memoryUsage().rss`), heap and `tf.memory().numTensors`.
 *
 * At the end it prints PASS/FAIL lines: every id seen exactly E times, the count and the
 * checksum as expected, every row intact, `numTensors` back to its start, every thread ended,
 * every queue closed, and RSS growth after the warm-up (the first 10 s) below 5 %: the largest
 * 10-s RSS sample after the warm-up against the one at its end. Each 10-s sample is taken
 * right after V8's last-resort collection (`--no-gc` to sample raw): V8 lets old-space garbage
 * pile up between major collections here (examples wait in queues long enough to be
 * promoted), and even after a plain `gc()` keeps 100-200 MB of freed pages resident for
 * reuse, so raw RSS saw-tooths by +-40 % with no leak at all; after the last-resort
 * collection (what V8 does on a low-memory notification), RSS shows what the process keeps.
 * The raw peak is reported as well.
 *
 * Run: `npm run soak` or `npx tsx bench/soak.ts [--examples 10000000] [--distinct 1000000]
 * [--threads 8] [--seed 1] [--no-gc] [--json out.json]`.
 */
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Tensor } from '@tensorflow/tfjs';
import {
  batch,
  Coordinator,
  OutOfRangeError,
  QueueRunnerRegistry,
  rangeInputProducer,
  shuffleBatch,
  startQueueRunners,
} from './lib.js';
import { Random } from './lib.js';
import { tf, type BackendName } from './lib.js';
import {
  backendArg,
  benchFlags,
  benchReport,
  describeMachine,
  fmtInt,
  intArg,
  runStandalone,
  sleep,
  startBench,
  textTable,
  type BenchCli,
  type BenchReport,
} from './bench-util.js';

/** Floats per example row. */
const ROW = 16;
/** How long the warm-up lasts, and how often a sample line is printed, ms. */
const WARMUP_MS = 10_000;
const REPORT_EVERY_MS = 10_000;
/** Raw RSS is sampled this often (for the peak), ms. */
const SAMPLE_EVERY_MS = 1_000;
/** How long the main thread waits after a forced collection for V8's background unmapping, ms. */
const UNMAP_WAIT_MS = 100;
/** Largest RSS growth after the warm-up that passes. */
const MAX_RSS_GROWTH = 0.05;

/**
 * Options of {@link runSoak}.
 *
 * @example
 * ```ts
 * await runSoak({ examples: 1_000_000 });
 * ```
 */
export interface SoakOptions {
  /** Examples in all (rounded to distinct x epochs). Default 10 000 000. */
  readonly examples: number;
  /** Distinct ids (at most 2^24, exact in float32). Default min(examples, 1 000 000). */
  readonly distinct: number | undefined;
  /** numThreads of both batchers. Default 8. */
  readonly threads: number;
  /** Seed of the shuffles and the pauses. Default 1. */
  readonly seed: number;
  /**
   * Run V8's last-resort collection before each 10-s sample, so that the growth check sees
   * the memory the process keeps, not how far V8 has let garbage (and pooled pages) pile up.
   * Default true.
   */
  readonly gcBeforeSample: boolean;
  /** tfjs backend. Default 'cpu'. */
  readonly backend: BackendName;
  /** Progress lines every 10 s. Default false (true when run standalone). */
  readonly verbose: boolean;
}

const DEFAULTS: SoakOptions = {
  examples: 10_000_000,
  distinct: undefined,
  threads: 8,
  seed: 1,
  gcBeforeSample: true,
  backend: 'cpu',
  verbose: false,
};

/**
 * V8's most thorough collection, made callable without `--expose-gc` on the command line: a
 * full `gc()`, then `gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })`, which
 * releases the pages V8 keeps pooled for reuse after a collection (as on a low-memory
 * notification; a plain `gc()` leaves them resident: 100-200 MB of RSS here).
 */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('soak: could not obtain gc()');
  const collect = gc as (options?: {
    readonly type: 'major';
    readonly execution: 'sync';
    readonly flavor: 'last-resort';
  }) => void;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return () => {
    // A plain gc() collects; the last-resort flavour then releases the pooled pages (on its
    // own, it does not collect here).
    collect();
    collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    // V8 unmaps freed pages on background threads: hold the main thread still (no new
    // allocation) long enough for them to finish, so the RSS read next sees the result.
    Atomics.wait(pause, 0, 0, UNMAP_WAIT_MS);
  };
}

/** The value of float `j` of id `i`'s row (exact in float32: below 2^24). */
function rowValue(i: number, j: number): number {
  return (i * 31 + j * 7) % 65_536;
}

/** A thrown value, for a message. */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** One memory sample. */
interface Sample {
  readonly seconds: number;
  readonly examples: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** V8's committed heap, and memory outside it (ArrayBuffers: typed arrays, tensor data). */
  readonly heapTotalMB: number;
  readonly externalMB: number;
  readonly numTensors: number;
  /** Taken right after a full garbage collection (the 10-s samples, with `gcBeforeSample`). */
  readonly afterGc: boolean;
  /** V8's committed size per heap space, MB (the 10-s samples only). */
  readonly spacesMB: Record<string, number> | undefined;
  /** How long that collection took, ms. */
  readonly gcMs: number;
}

/** Least-squares slope of `rssMB` against time, MB per minute. */
function slopePerMinute(samples: readonly Sample[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.seconds, 0) / n;
  const my = samples.reduce((a, s) => a + s.rssMB, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += (s.seconds - mx) * (s.rssMB - my);
    sxx += (s.seconds - mx) ** 2;
  }
  return sxx === 0 ? 0 : (sxy / sxx) * 60;
}

/** One PASS/FAIL check. */
interface Check {
  readonly name: string;
  readonly pass: boolean | undefined;
  readonly detail: string;
}

const MB = 2 ** 20;

/**
 * Runs the soak: N examples through the 3-stage pipeline with random pauses; returns the
 * samples table, the PASS/FAIL lines and the raw numbers.
 *
 * @example
 * ```ts
 * const { table } = await runSoak({ examples: 2_000_000 });
 * console.log(table);
 * ```
 */
export async function runSoak(options: Partial<SoakOptions> = {}): Promise<BenchReport> {
  const o: SoakOptions = { ...DEFAULTS, ...options };
  const distinct = o.distinct ?? Math.min(o.examples, 1_000_000);
  if (distinct > 2 ** 24) throw new Error(`--distinct must be at most 2^24, got ${distinct}`);
  const epochs = Math.max(1, Math.round(o.examples / distinct));
  const expected = distinct * epochs;
  const { machine, log } = await startBench(o);
  log(
    `soak: ${fmtInt(expected)} examples (${fmtInt(distinct)} ids x ${epochs} epochs), ` +
      `numThreads ${o.threads}, seed ${o.seed}`,
  );

  const tensorsAtStart = tf.memory().numTensors;
  const registry = new QueueRunnerRegistry();
  const pauses = new Random(o.seed);
  const consumerPauses = new Random(o.seed + 1);
  let producerPauses = 0;
  let consumerPauseCount = 0;

  // Stage 1: the ids, E epochs, each in a fresh order.
  const ids = rangeInputProducer(distinct, {
    numEpochs: epochs,
    shuffle: true,
    seed: o.seed,
    capacity: 1024,
    registry,
  });
  // Stage 2: 8 tasks building the rows (sometimes slowly) and batching them as tensors.
  const rows = ids.map((i): [Float32Array, number] | Promise<[Float32Array, number]> => {
    const row = new Float32Array(ROW);
    for (let j = 0; j < ROW; j++) row[j] = rowValue(i, j);
    if (pauses.int(1000) !== 0) return [row, i];
    producerPauses++;
    return sleep(1 + pauses.int(5)).then((): [Float32Array, number] => [row, i]);
  });
  const firstBatches = batch(rows, {
    batchSize: 100,
    numThreads: o.threads,
    capacity: 1000,
    allowSmallerFinalBatch: true,
    registry,
  });
  // Stage 3: 8 tasks unbatching those tensors into a shuffle queue, re-batched by 128.
  const batches = shuffleBatch(firstBatches, {
    batchSize: 128,
    enqueueMany: true,
    numThreads: o.threads,
    capacity: 2000,
    minAfterDequeue: 500,
    seed: o.seed,
    allowSmallerFinalBatch: true,
    registry,
  });

  const counts = epochs < 256 ? new Uint8Array(distinct) : new Uint32Array(distinct);
  let seen = 0;
  let checksum = 0;
  let badRows = 0;
  let outOfRangeIds = 0;
  const samples: Sample[] = [];
  const gc = o.gcBeforeSample ? fullGc() : undefined;
  const t0 = performance.now();
  const sample = (collect: boolean): Sample => {
    let gcMs = 0;
    if (collect && gc !== undefined) {
      const g0 = performance.now();
      gc();
      gcMs = performance.now() - g0;
    }
    const m = process.memoryUsage();
    const s: Sample = {
      seconds: (performance.now() - t0) / 1000,
      examples: seen,
      rssMB: m.rss / MB,
      heapUsedMB: m.heapUsed / MB,
      heapTotalMB: m.heapTotal / MB,
      externalMB: m.external / MB,
      numTensors: tf.memory().numTensors,
      afterGc: collect && gc !== undefined,
      gcMs,
      spacesMB: collect
        ? Object.fromEntries(
            v8.getHeapSpaceStatistics().map((h) => [h.space_name, h.space_size / MB]),
          )
        : undefined,
    };
    samples.push(s);
    return s;
  };
  let lastReport = { seconds: 0, examples: 0 };
  let ticks = 0;
  const sampler = setInterval(() => {
    ticks++;
    const report = (ticks * SAMPLE_EVERY_MS) % REPORT_EVERY_MS === 0;
    const s = sample(report);
    if (report) {
      const rate = (s.examples - lastReport.examples) / (s.seconds - lastReport.seconds);
      log(
        `  ${s.seconds.toFixed(0).padStart(4)} s  ${fmtInt(s.examples).padStart(11)} examples  ` +
          `${fmtInt(rate).padStart(7)} ex/s  RSS ${s.rssMB.toFixed(1)} MB  heap ` +
          `${s.heapUsedMB.toFixed(1)} / ${s.heapTotalMB.toFixed(1)} MB  external ` +
          `${s.externalMB.toFixed(1)} MB${s.afterGc ? ` (after a ${s.gcMs.toFixed(0)} ms GC)` : ''}` +
          `  tensors ${s.numTensors}`,
      );
      lastReport = { seconds: s.seconds, examples: s.examples };
    }
  }, SAMPLE_EVERY_MS);

  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  let failure: unknown;
  try {
    for (;;) {
      let b: [Tensor, Tensor];
      try {
        b = await batches.dequeue();
      } catch (error) {
        if (error instanceof OutOfRangeError) break;
        throw error;
      }
      const [x, y] = b;
      const xs = x.dataSync();
      const ys = y.dataSync();
      tf.dispose(b);
      for (let j = 0; j < ys.length; j++) {
        const id = ys[j] ?? -1;
        if (!(id >= 0 && id < distinct && Number.isInteger(id))) {
          outOfRangeIds++;
          continue;
        }
        counts[id] = (counts[id] ?? 0) + 1;
        checksum = (checksum + id) % 2 ** 32;
        if (xs[j * ROW] !== rowValue(id, 0) || xs[j * ROW + ROW - 1] !== rowValue(id, ROW - 1)) {
          badRows++;
        }
      }
      seen += ys.length;
      if (consumerPauses.int(200) === 0) {
        consumerPauseCount++;
        await sleep(1 + consumerPauses.int(20));
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    coord.requestStop();
  }
  try {
    await coord.join(threads, { stopGracePeriodMs: 10_000 });
  } catch (error) {
    failure ??= error;
  }
  clearInterval(sampler);
  const seconds = (performance.now() - t0) / 1000;
  const final = sample(true);
  const tensorsAtEnd = tf.memory().numTensors;

  let wrongCounts = 0;
  for (let i = 0; i < distinct; i++) if (counts[i] !== epochs) wrongCounts++;
  const expectedChecksum = Number(
    (BigInt(epochs) * ((BigInt(distinct) * BigInt(distinct - 1)) / 2n)) % 2n ** 32n,
  );
  // The 10-s samples (and the final one): the growth check compares them with the one at the
  // end of the warm-up. Raw 1-s samples only give the peak, for the record.
  const reported = samples.filter(
    (s, i) => i === samples.length - 1 || (i + 1) % (REPORT_EVERY_MS / SAMPLE_EVERY_MS) === 0,
  );
  const afterWarmup = reported.filter((s) => s.seconds * 1000 >= WARMUP_MS - SAMPLE_EVERY_MS / 2);
  const baseline = afterWarmup.length > 1 ? afterWarmup[0] : undefined;
  const peakAfter =
    baseline === undefined ? undefined : Math.max(...afterWarmup.map((s) => s.rssMB));
  const growth =
    baseline === undefined || peakAfter === undefined ? undefined : peakAfter / baseline.rssMB - 1;
  const finalGrowth = baseline === undefined ? undefined : final.rssMB / baseline.rssMB - 1;
  const rawPeak = Math.max(...samples.map((s) => s.rssMB));
  // The live heap (after the forced collection) over the same samples: what a leak of JS
  // objects would grow. And the RSS trend while the pipeline ran (the final sample, taken once
  // it had ended, left out), by least squares, MB per minute.
  const heapPeakAfter =
    baseline === undefined ? undefined : Math.max(...afterWarmup.map((s) => s.heapUsedMB));
  const heapGrowth =
    baseline === undefined || heapPeakAfter === undefined
      ? undefined
      : heapPeakAfter / baseline.heapUsedMB - 1;
  const running = afterWarmup.filter((s) => s !== final);
  const trend = running.length < 3 ? undefined : slopePerMinute(running);
  const heapTotals = afterWarmup.map((s) => s.heapTotalMB);
  // Which V8 space's committed size moved most between the baseline and the largest sample.
  const peakSample = afterWarmup.find((s) => s.rssMB === peakAfter);
  const spaceGrowth = Object.entries(peakSample?.spacesMB ?? {})
    .map(([name, mb]): [string, number] => [name, mb - (baseline?.spacesMB?.[name] ?? mb)])
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, 2)
    .map(([name, d]) => `${name} ${d >= 0 ? '+' : ''}${d.toFixed(1)} MB`)
    .join(', ');
  const pct = (x: number | undefined): string =>
    x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
  const queues = [ids.queue, firstBatches.queue, batches.queue];

  const checks: Check[] = [
    {
      name: 'no failure',
      pass: failure === undefined,
      detail: failure === undefined ? 'the pipeline ran to its end' : describeError(failure),
    },
    {
      name: 'count',
      pass: seen === expected,
      detail: `${fmtInt(seen)} examples delivered, ${fmtInt(expected)} expected`,
    },
    {
      name: 'every id exactly E times',
      pass: wrongCounts === 0 && outOfRangeIds === 0,
      detail: `${wrongCounts} ids with a count other than ${epochs}, ${outOfRangeIds} invalid ids`,
    },
    {
      name: 'checksum',
      pass: checksum === expectedChecksum,
      detail: `sum of ids mod 2^32 = ${checksum}, expected ${expectedChecksum}`,
    },
    {
      name: 'rows intact',
      pass: badRows === 0,
      detail: `${badRows} rows not matching their id`,
    },
    {
      name: 'no tensor leaked',
      pass: tensorsAtEnd === tensorsAtStart,
      detail: `tf.memory().numTensors ${tensorsAtStart} at start, ${tensorsAtEnd} at end`,
    },
    {
      name: 'threads ended, queues closed',
      pass: threads.every((t) => !t.isAlive()) && queues.every((q) => q.isClosed),
      detail: `${threads.filter((t) => t.isAlive()).length} of ${threads.length} threads alive, ${
        queues.filter((q) => !q.isClosed).length
      } of ${queues.length} queues open`,
    },
    {
      name: `RSS growth after warm-up < ${100 * MAX_RSS_GROWTH}%`,
      pass: growth === undefined ? undefined : growth < MAX_RSS_GROWTH,
      detail:
        baseline === undefined
          ? `run too short: no 10-s sample after the ${WARMUP_MS / 1000} s warm-up`
          : `RSS${o.gcBeforeSample ? ' after GC' : ''} ${baseline.rssMB.toFixed(1)} MB at ` +
            `${baseline.seconds.toFixed(0)} s, largest after it ${(peakAfter ?? 0).toFixed(1)} MB ` +
            `(${pct(growth)}), final ${final.rssMB.toFixed(1)} MB (${pct(finalGrowth)}); ` +
            `trend ${trend === undefined ? 'n/a' : `${trend >= 0 ? '+' : ''}${trend.toFixed(1)} MB/min`}; ` +
            `V8 committed heap ${Math.min(...heapTotals).toFixed(0)}-${Math.max(...heapTotals).toFixed(0)} MB` +
            `${spaceGrowth === '' ? '' : ` (baseline to largest: ${spaceGrowth})`}; ` +
            `raw RSS peak (1-s samples, no GC forced) ${rawPeak.toFixed(1)} MB`,
    },
    {
      name: `live heap growth after warm-up < ${100 * MAX_RSS_GROWTH}%`,
      pass: heapGrowth === undefined || !o.gcBeforeSample ? undefined : heapGrowth < MAX_RSS_GROWTH,
      detail: !o.gcBeforeSample
        ? 'needs the forced collection (run without --no-gc)'
        : baseline === undefined
          ? `run too short: no 10-s sample after the ${WARMUP_MS / 1000} s warm-up`
          : `heap used after GC ${baseline.heapUsedMB.toFixed(1)} MB at ` +
            `${baseline.seconds.toFixed(0)} s, largest after it ` +
            `${(heapPeakAfter ?? 0).toFixed(1)} MB (${pct(heapGrowth)})`,
    },
  ];

  const shown = reported;
  const sampleTable = textTable(
    [
      't s',
      'examples',
      'ex/s (interval)',
      o.gcBeforeSample ? 'RSS MB (after GC)' : 'RSS MB',
      'heap used / total MB',
      'external MB',
      'numTensors',
    ],
    shown.map((s, i) => {
      const prev = i === 0 ? { seconds: 0, examples: 0 } : (shown[i - 1] as Sample);
      const rate = (s.examples - prev.examples) / Math.max(1e-9, s.seconds - prev.seconds);
      return [
        s.seconds.toFixed(0),
        fmtInt(s.examples),
        fmtInt(rate),
        s.rssMB.toFixed(1),
        `${s.heapUsedMB.toFixed(1)} / ${s.heapTotalMB.toFixed(1)}`,
        s.externalMB.toFixed(1),
        String(s.numTensors),
      ];
    }),
  );
  const allPass = checks.every((c) => c.pass !== false);
  const lines = checks.map(
    (c) => `${c.pass === undefined ? 'SKIP' : c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`,
  );
  const summary =
    `${fmtInt(seen)} examples in ${seconds.toFixed(1)} s = ${fmtInt(seen / seconds)} examples/s; ` +
    `${producerPauses} producer pauses, ${consumerPauseCount} consumer pauses`;
  return benchReport(machine, {
    title:
      `soak: ${fmtInt(expected)} examples, rangeInputProducer -> map -> batch(${o.threads} tasks) ` +
      `-> shuffleBatch(${o.threads} tasks, enqueueMany) -> consumer, random pauses`,
    table: `${describeMachine(machine)}\n\n${sampleTable}\n\n${summary}\n${lines.join('\n')}\n${
      allPass ? 'SOAK PASS' : 'SOAK FAIL'
    }`,
    data: {
      config: { ...o, distinct, epochs, expected },
      seconds,
      examples: seen,
      examplesPerSecond: seen / seconds,
      producerPauses,
      consumerPauses: consumerPauseCount,
      tensorsAtStart,
      tensorsAtEnd,
      rssBaselineMB: baseline?.rssMB,
      rssPeakAfterWarmupMB: peakAfter,
      rssGrowthAfterWarmup: growth,
      rssRawPeakMB: rawPeak,
      rssTrendMBPerMinute: trend,
      heapUsedGrowthAfterWarmup: heapGrowth,
      samples,
      checks,
      pass: allPass,
    },
  });
}

function parseCli(): BenchCli<SoakOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      examples: { type: 'string', default: String(DEFAULTS.examples) },
      distinct: { type: 'string' },
      threads: { type: 'string', default: String(DEFAULTS.threads) },
      seed: { type: 'string', default: String(DEFAULTS.seed) },
      'no-gc': { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    options: {
      examples: intArg('examples', values.examples, 1),
      distinct: intArg('distinct', values.distinct, 1),
      threads: intArg('threads', values.threads, 1),
      seed: intArg('seed', values.seed, 0),
      gcBeforeSample: !values['no-gc'],
      backend: backendArg(values.backend),
      verbose: true,
    },
    json: values.json,
  };
}

const report = await runStandalone(import.meta.url, parseCli, runSoak);
if (report !== undefined && !(report.data as { pass: boolean }).pass) process.exitCode = 1;
