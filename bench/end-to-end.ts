/**
 * End to end (issue 4, target 5): the `queuefeed train` experiment (softmax, batch 100, the
 * same seed and data) fed by the plain generator and by the queue pipeline, on the wasm
 * backend, each run in its own `node` process so that neither inflates the other's memory
 * figures. The variants alternate (generator, queue, queue gathering on a worker thread with `--workers 1`, then again) for
 * `repeats` rounds, so that drifting machine load hits all of them alike.
 *
 * Each run is `node dist/cli/queuefeed.js train --method M --epochs E --backend wasm --json
 * FILE [--data DIR] [--workers 1]`: the compiled CLI, as users run it (tsx's loader would add
 * its own memory and start-up to every figure, and to every worker thread). `dist/` is rebuilt
 * first (`npm run build`) when a source file is newer than its compiled file; `--runner tsx`
 * runs `cli/queuefeed.ts` through tsx instead, without building.
 *
 * Reported per variant: median wall seconds of the training loop (the CLI's own timing: from
 * building the pipeline to the last runner joined; loading data and the held-out evaluation
 * are outside it), seconds per epoch, examples/s, peak RSS, the RSS at the end of each epoch
 * (of the median run) and its growth from epoch 2 to the last, tensors at start and end,
 * held-out accuracy; and the ratios to the generator with the targets.
 *
 * Run: `npx tsx bench/end-to-end.ts [--epochs 5] [--repeats 3] [--backend wasm] [--data DIR]
 * [--variants generator,queue,queue-w1] [--runner dist|tsx] [--no-build] [--verbose]
 * [--json FILE]`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TrainReport } from '../cli/report.js';
import type { RunResult } from '../cli/train.js';
import {
  benchFlags,
  benchReport,
  choiceArg,
  describeMachine,
  intArg,
  listArg,
  machineInfo,
  median,
  runStandalone,
  textTable,
  verboseLog,
  type BenchCli,
  type BenchReport,
} from './bench-util.js';

/** The repository root (this file lives in `bench/`). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Source directories compiled into `dist/` (see tsconfig.build.json), and the root index. */
const SOURCE_DIRS = ['src', 'producers', 'consumers', 'cli'];

/**
 * The pipelines compared: the generator, the queue pipeline with the CLI's defaults (rows
 * gathered on the main thread), and the queue pipeline gathering on a worker (`--workers 1`).
 *
 * @example
 * ```ts
 * const v: EndToEndVariant = 'queue-w1';
 * ```
 */
export type EndToEndVariant = 'generator' | 'queue' | 'queue-w1';

const VARIANTS: readonly EndToEndVariant[] = ['generator', 'queue', 'queue-w1'];

/**
 * Options of {@link runEndToEnd}; every field has a default.
 *
 * @example
 * ```ts
 * await runEndToEnd({ epochs: 5, repeats: 3 });
 * ```
 */
export interface EndToEndOptions {
  /** Epochs per run. Default 5. */
  readonly epochs: number;
  /** Rounds (each runs every variant once); figures are medians. Default 3. */
  readonly repeats: number;
  /** tfjs backend of the runs. Default 'wasm'. */
  readonly backend: 'wasm' | 'cpu' | 'tensorflow' | 'auto';
  /**
   * Data directory. Default: `/usr/share/datasets/fashion-mnist`, else
   * `/work/shared/datasets/fashion-mnist` (the full 60 000 training images), else the CLI's
   * embedded 8 000-image split.
   */
  readonly data: string | undefined;
  /** Variants run, in this order within a round. Default all three. */
  readonly variants: readonly EndToEndVariant[];
  /** The compiled CLI (`dist`, rebuilt when stale) or the sources through tsx. Default 'dist'. */
  readonly runner: 'dist' | 'tsx';
  /** Rebuild `dist/` when a source file is newer than its compiled file. Default true. */
  readonly build: boolean;
  /** Seed of the runs (weights and shuffling). Default 42, the CLI's. */
  readonly seed: number;
  /** Progress lines while running. Default false (true when run standalone). */
  readonly verbose: boolean;
  /** Forward the children's output. Default false. */
  readonly childOutput: boolean;
}

const DEFAULTS: EndToEndOptions = {
  epochs: 5,
  repeats: 3,
  backend: 'wasm',
  data: undefined,
  variants: VARIANTS,
  runner: 'dist',
  build: true,
  seed: 42,
  verbose: false,
  childOutput: false,
};

const DATA_DIRS = ['/usr/share/datasets/fashion-mnist', '/work/shared/datasets/fashion-mnist'];

function defaultDataDir(): string | undefined {
  return DATA_DIRS.find(
    (d) =>
      existsSync(path.join(d, 'train-images-idx3-ubyte.gz')) ||
      existsSync(path.join(d, 'train-images-idx3-ubyte')),
  );
}

/** Every `.ts` source (not `.d.ts`) under the compiled directories, plus `index.ts`. */
function sourceFiles(): string[] {
  const out = [path.join(ROOT, 'index.ts')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(ROOT, d));
  return out;
}

/** The sources whose compiled `.js` in `dist/` is missing or older than them. */
function staleSources(): string[] {
  return sourceFiles().filter((src) => {
    const rel = path.relative(ROOT, src).replace(/\.ts$/, '.js');
    const out = path.join(ROOT, 'dist', rel);
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

/** Runs a command in the repository root; resolves to its exit code and the tail of its output. */
function run(
  command: string,
  args: readonly string[],
  forward: boolean,
): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (forward) process.stdout.write(text);
      lines.push(...text.split('\n').filter((l) => l !== ''));
      if (lines.length > 40) lines.splice(0, lines.length - 40);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal === null ? 1 : 128), tail: lines.join('\n') }),
    );
  });
}

/** Builds `dist/` when stale; returns what was done, for the report. */
async function ensureBuilt(o: EndToEndOptions, log: (line: string) => void): Promise<string> {
  if (o.runner === 'tsx') return 'no build';
  const stale = staleSources();
  if (stale.length === 0) return 'dist/ up to date';
  if (!o.build) {
    return `dist/ stale (${stale.length} sources newer), not rebuilt (--no-build)`;
  }
  log(`building dist/ (${stale.length} source files newer than their compiled files)...`);
  const t0 = performance.now();
  const { code, tail } = await run('npm', ['run', 'build'], false);
  if (code !== 0) {
    throw new Error(
      `npm run build failed (exit ${code}); fix the build, or pass --no-build or --runner tsx.\n${tail}`,
    );
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  log(`built dist/ in ${s} s`);
  return `dist/ rebuilt (npm run build, ${s} s)`;
}

/** The CLI arguments of one run. */
function trainArgs(
  o: EndToEndOptions,
  variant: EndToEndVariant,
  data: string | undefined,
  jsonFile: string,
): string[] {
  const cli =
    o.runner === 'dist'
      ? [path.join(ROOT, 'dist', 'cli', 'queuefeed.js')]
      : ['--import', 'tsx', path.join(ROOT, 'cli', 'queuefeed.ts')];
  const args = [
    ...cli,
    'train',
    '--method',
    variant === 'generator' ? 'generator' : 'queue',
    '--epochs',
    String(o.epochs),
    '--backend',
    o.backend,
    '--seed',
    String(o.seed),
    // Accuracy logging costs an extra forward pass per logged step; keep it rare.
    '--log-every',
    '100000',
    '--json',
    jsonFile,
  ];
  if (data !== undefined) args.push('--data', data);
  if (variant === 'queue-w1') args.push('--workers', '1');
  return args;
}

/**
 * One run's figures, as the CLI reported them, plus its settings and the process's own wall
 * time (start to exit, data loading and evaluation included).
 *
 * @example
 * ```ts
 * const run: EndToEndRun = summary.all[0];
 * run.result.wallSeconds;
 * ```
 */
export interface EndToEndRun {
  readonly result: RunResult;
  readonly workers: number;
  readonly threads: number;
  readonly processSeconds: number;
  readonly data: string;
}

function isTrainReport(x: unknown): x is TrainReport {
  const r = x as Partial<TrainReport> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    Array.isArray(r.results) &&
    r.results.length === 1 &&
    typeof r.settings === 'object'
  );
}

async function runOnce(
  o: EndToEndOptions,
  variant: EndToEndVariant,
  data: string | undefined,
  dir: string,
  k: number,
): Promise<EndToEndRun> {
  const jsonFile = path.join(dir, `${variant}-${k}.json`);
  const t0 = performance.now();
  const { code, tail } = await run(
    process.execPath,
    trainArgs(o, variant, data, jsonFile),
    o.childOutput,
  );
  const processSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`queuefeed train (${variant}) exited with ${code}:\n${tail}`);
  const report: unknown = JSON.parse(readFileSync(jsonFile, 'utf8'));
  if (!isTrainReport(report)) throw new Error(`unexpected JSON from queuefeed train: ${jsonFile}`);
  return {
    result: report.results[0]!,
    workers: report.settings.workers,
    threads: report.settings.threads,
    processSeconds,
    data: report.data,
  };
}

/** Growth of the RSS from the end of epoch 2 to the end of the last, in %. */
function rssGrowth(rss: readonly number[]): number {
  const second = rss[1];
  const last = rss[rss.length - 1];
  return rss.length < 3 || second === undefined || last === undefined
    ? Number.NaN
    : ((last - second) / second) * 100;
}

/**
 * One variant's figures over the repeats.
 *
 * @example
 * ```ts
 * const s: EndToEndSummary = report.data.summaries[0];
 * s.wallSeconds; // median
 * ```
 */
export interface EndToEndSummary {
  readonly variant: EndToEndVariant;
  readonly label: string;
  readonly runs: number;
  /** Medians over the runs. */
  readonly wallSeconds: number;
  readonly secondsPerEpoch: number;
  /**
   * Median over the runs of the seconds per epoch after the first (from the end of epoch 1
   * to the end of the last): leaves out start-up (worker threads, compilation, first reads).
   */
  readonly steadySecondsPerEpoch: number;
  readonly examplesPerSecond: number;
  readonly peakRssMb: number;
  /** Median over the runs of the RSS growth from epoch 2 to the last, %. */
  readonly rssGrowthPct: number;
  /** RSS at the end of each epoch, MB, of the run with the median wall time. */
  readonly rssPerEpochMb: readonly number[];
  readonly heldOutAccuracy: number;
  /** `tensorsAtStart/tensorsAtEnd` of every run. */
  readonly tensors: readonly string[];
  readonly processSeconds: number;
  /** Every run's raw figures. */
  readonly all: readonly EndToEndRun[];
}

/** Seconds per epoch after the first, from the epoch end times; NaN with fewer than 2. */
function steadyEpochSeconds(ends: readonly number[] | undefined): number {
  if (ends === undefined || ends.length < 2) return Number.NaN;
  return (ends[ends.length - 1]! - ends[0]!) / (ends.length - 1);
}

function summarise(variant: EndToEndVariant, runs: readonly EndToEndRun[]): EndToEndSummary {
  const rs = runs.map((r) => r.result);
  const wall = median(rs.map((r) => r.wallSeconds));
  // The run whose wall time is closest to the median (the median itself for odd counts).
  const mid = [...runs].sort(
    (a, b) => Math.abs(a.result.wallSeconds - wall) - Math.abs(b.result.wallSeconds - wall),
  )[0];
  const workers = runs[0]?.workers ?? 0;
  return {
    variant,
    label:
      variant === 'generator'
        ? 'generator (batchIter)'
        : `queue, threads ${runs[0]?.threads ?? '?'}, workers ${workers}`,
    runs: runs.length,
    wallSeconds: wall,
    secondsPerEpoch: median(rs.map((r) => r.secondsPerEpoch)),
    steadySecondsPerEpoch: median(rs.map((r) => steadyEpochSeconds(r.epochEndSeconds))),
    examplesPerSecond: median(rs.map((r) => r.examplesPerSecond)),
    peakRssMb: median(rs.map((r) => r.peakRssMb)),
    rssGrowthPct: median(rs.map((r) => rssGrowth(r.rssPerEpochMb))),
    rssPerEpochMb: mid?.result.rssPerEpochMb ?? [],
    heldOutAccuracy: median(rs.map((r) => r.heldOutAccuracy)),
    tensors: rs.map((r) => `${r.tensorsAtStart}/${r.tensorsAtEnd}`),
    processSeconds: median(runs.map((r) => r.processSeconds)),
    all: runs,
  };
}

/**
 * Runs the end-to-end comparison: builds `dist/` if stale, then `repeats` rounds of every
 * variant in its own process, and returns the table (medians, RSS per epoch, ratios to the
 * generator, targets) and the raw figures of every run.
 *
 * @example
 * ```ts
 * const report = await runEndToEnd({ epochs: 5, repeats: 3 });
 * console.log(report.table);
 * ```
 */
export async function runEndToEnd(options: Partial<EndToEndOptions> = {}): Promise<BenchReport> {
  const o: EndToEndOptions = { ...DEFAULTS, ...options };
  const log = verboseLog(o.verbose);
  const machine = machineInfo(o.backend);
  log(describeMachine(machine));
  const data = o.data ?? defaultDataDir();
  const build = await ensureBuilt(o, log);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'queuefeed-e2e-'));
  const runs = new Map<EndToEndVariant, EndToEndRun[]>(o.variants.map((v) => [v, []]));
  let dataDescription = data ?? 'embedded';
  try {
    for (let round = 0; round < o.repeats; round++) {
      for (const variant of o.variants) {
        const r = await runOnce(o, variant, data, dir, round);
        dataDescription = r.data;
        runs.get(variant)?.push(r);
        log(
          `  round ${round + 1}/${o.repeats} ${variant.padEnd(9)} wall ${r.result.wallSeconds.toFixed(2)} s, ` +
            `${r.result.secondsPerEpoch.toFixed(3)} s/epoch (after epoch 1 ${steadyEpochSeconds(r.result.epochEndSeconds).toFixed(3)}), peak RSS ${r.result.peakRssMb.toFixed(0)} MB, ` +
            `RSS/epoch ${r.result.rssPerEpochMb.map((m) => m.toFixed(0)).join(' ')}, ` +
            `acc ${r.result.heldOutAccuracy.toFixed(4)}, tensors ${r.result.tensorsAtStart}/${r.result.tensorsAtEnd} ` +
            `(workers ${r.workers}; process ${r.processSeconds.toFixed(1)} s; load ${os.loadavg()[0]?.toFixed(2)})`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const summaries = o.variants.map((v) => summarise(v, runs.get(v) ?? []));
  const gen = summaries.find((s) => s.variant === 'generator');
  const vsGen = (s: EndToEndSummary, f: (x: EndToEndSummary) => number): number =>
    gen === undefined ? Number.NaN : f(s) / f(gen);
  const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const table = textTable(
    [
      'variant',
      'wall s',
      's/epoch',
      'steady s/epoch',
      'ex/s',
      'peak RSS MB',
      'RSS per epoch MB (median run)',
      'RSS growth e2->last',
      'tensors start/end',
      'held-out acc',
      'wall vs gen',
      'steady vs gen',
      'peak RSS vs gen',
    ],
    summaries.map((s) => [
      s.label,
      fmt(s.wallSeconds, 2),
      fmt(s.secondsPerEpoch, 3),
      fmt(s.steadySecondsPerEpoch, 3),
      fmt(s.examplesPerSecond, 0),
      fmt(s.peakRssMb, 0),
      s.rssPerEpochMb.map((m) => m.toFixed(0)).join(' '),
      Number.isFinite(s.rssGrowthPct) ? `${s.rssGrowthPct.toFixed(1)}%` : '-',
      [...new Set(s.tensors)].join(', '),
      fmt(s.heldOutAccuracy, 4),
      fmt(
        vsGen(s, (x) => x.wallSeconds),
        3,
      ),
      fmt(
        vsGen(s, (x) => x.steadySecondsPerEpoch),
        3,
      ),
      fmt(
        vsGen(s, (x) => x.peakRssMb),
        3,
      ),
    ]),
  );
  const queue = summaries.find((s) => s.variant === 'queue');
  const targets =
    queue === undefined || gen === undefined
      ? null
      : {
          wallRatio: queue.wallSeconds / gen.wallSeconds,
          wallOk: queue.wallSeconds / gen.wallSeconds <= 0.95,
          steadyRatio: queue.steadySecondsPerEpoch / gen.steadySecondsPerEpoch,
          peakRssRatio: queue.peakRssMb / gen.peakRssMb,
          peakRssOk: queue.peakRssMb <= gen.peakRssMb * 1.1,
          rssGrowthPct: queue.rssGrowthPct,
          rssGrowthOk: Number.isNaN(queue.rssGrowthPct) ? null : queue.rssGrowthPct < 5,
          tensorsUnchanged: queue.all.every(
            (r) => r.result.tensorsAtStart === r.result.tensorsAtEnd,
          ),
        };
  const yes = (ok: boolean | null): string =>
    ok === null ? 'n/a: needs >= 3 epochs' : ok ? 'met' : 'NOT met';
  const notes = [
    `data: ${dataDescription}; ${o.epochs} epochs per run, softmax, batch 100, seed ${o.seed}, ` +
      `backend ${o.backend}; medians of ${o.repeats} run(s) per variant, variants alternating, ` +
      `each run its own process (${o.runner === 'dist' ? 'node dist/cli/queuefeed.js' : 'tsx cli/queuefeed.ts'}; ${build}).`,
    "wall s: the CLI's training-loop time (pipeline built to runners joined; data loading and " +
      'evaluation excluded). steady s/epoch: from the end of epoch 1 to the end of the last, per ' +
      'epoch (start-up left out). RSS per epoch: at the end of each epoch; growth from epoch 2 to ' +
      `the last. Load average at start ${machine.loadAverage1m}, at end ${(os.loadavg()[0] ?? 0).toFixed(2)}.`,
    targets === null
      ? 'targets: need both generator and queue.'
      : `targets (issue 4, queue with the CLI's default workers): wall ${fmt(targets.wallRatio, 3)}x ` +
        `the generator (<= 0.95: ${yes(targets.wallOk)}; after epoch 1: ${fmt(targets.steadyRatio, 3)}x); peak RSS ${fmt(targets.peakRssRatio, 3)}x ` +
        `(<= 1.10: ${yes(targets.peakRssOk)}); RSS growth ${fmt(targets.rssGrowthPct, 1)}${Number.isFinite(targets.rssGrowthPct) ? '%' : ''} ` +
        `(< 5%: ${yes(targets.rssGrowthOk)}); tensors unchanged: ${targets.tensorsUnchanged ? 'yes' : 'NO'}.`,
  ];
  return benchReport(machine, {
    title: 'End to end: queuefeed train, generator vs queue pipeline (softmax, batch 100)',
    table: `${table}\n\n${notes.join('\n')}`,
    data: {
      config: {
        epochs: o.epochs,
        repeats: o.repeats,
        backend: o.backend,
        seed: o.seed,
        data: dataDescription,
        runner: o.runner,
        build,
        variants: o.variants,
      },
      summaries,
      targets,
    },
  });
}

function parseCli(): BenchCli<EndToEndOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      epochs: { type: 'string', default: String(DEFAULTS.epochs) },
      repeats: { type: 'string', default: String(DEFAULTS.repeats) },
      data: { type: 'string' },
      variants: { type: 'string', default: DEFAULTS.variants.join(',') },
      runner: { type: 'string', default: DEFAULTS.runner },
      'no-build': { type: 'boolean', default: false },
      seed: { type: 'string', default: String(DEFAULTS.seed) },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return {
    options: {
      epochs: intArg('epochs', values.epochs, 1),
      repeats: intArg('repeats', values.repeats, 1),
      backend: choiceArg('backend', values.backend, ['wasm', 'cpu', 'tensorflow', 'auto']),
      data: values.data,
      variants: listArg('variants', values.variants, VARIANTS),
      runner: choiceArg('runner', values.runner, ['dist', 'tsx']),
      build: !values['no-build'],
      seed: intArg('seed', values.seed),
      verbose: true,
      childOutput: values.verbose,
    },
    json: values.json,
  };
}

await runStandalone(import.meta.url, parseCli, runEndToEnd);
