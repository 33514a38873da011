/**
 * `npm run bench`: the benchmark suite of issue 4 in one command. Runs, in this order,
 * throughput (`bench/throughput.ts`), overlap (`bench/overlap.ts`), the CPU-bound map on
 * worker threads (`bench/workers.ts`) and end to end (`bench/end-to-end.ts`), prints each
 * table as it completes, and writes every section (title, table, raw figures) with the
 * machine's description to `bench/results.json`.
 *
 * Run: `npm run bench -- [--only throughput,overlap,workers,end-to-end] [--quick]
 * [--repeats N] [--e2e-epochs N] [--e2e-repeats N] [--data DIR] [--out FILE]`.
 * `--quick` is a smoke run (1 round each, small sizes): it checks that everything works; its
 * numbers are not the medians the issue asks for.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  intArg,
  isMainModule,
  machineInfo,
  printReport,
  writeJson,
  type BenchReport,
} from './bench-util.js';
import { runEndToEnd, type EndToEndOptions } from './end-to-end.js';
import { runOverlap, type OverlapOptions } from './overlap.js';
import { runThroughput, type ThroughputOptions } from './throughput.js';
import { runWorkers, type WorkersOptions } from './workers.js';

/**
 * The benchmarks `run-all` knows, in the order it runs them.
 *
 * @example
 * ```ts
 * const name: BenchName = 'workers';
 * ```
 */
export type BenchName = 'throughput' | 'overlap' | 'workers' | 'end-to-end';

const ALL: readonly BenchName[] = ['throughput', 'overlap', 'workers', 'end-to-end'];

/**
 * Options of {@link runAll}.
 *
 * @example
 * ```ts
 * await runAll({ only: ['throughput'], quick: true });
 * ```
 */
export interface RunAllOptions {
  /** Benchmarks to run. Default all four. */
  readonly only: readonly BenchName[];
  /** Smoke-run sizes (one round each). Default false. */
  readonly quick: boolean;
  /** Measured rounds of throughput, overlap and workers (default: theirs, 5). */
  readonly repeats: number | undefined;
  /** Epochs per end-to-end run (default: its own, 5). */
  readonly e2eEpochs: number | undefined;
  /** End-to-end rounds (default: its own, 3). */
  readonly e2eRepeats: number | undefined;
  /** Data directory for every benchmark that reads Fashion-MNIST. */
  readonly data: string | undefined;
  /** Where the JSON goes. Default `bench/results.json`. */
  readonly out: string;
}

/** Drops the keys whose value is `undefined` (the options are `exactOptionalPropertyTypes`). */
function defined<T extends object>(o: { [K in keyof T]?: T[K] | undefined }): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Each benchmark's options under `o`. */
function plans(o: RunAllOptions): Record<BenchName, () => Promise<BenchReport>> {
  const q = o.quick;
  const repeats = o.repeats ?? (q ? 1 : undefined);
  const warmup = q ? 0 : undefined;
  return {
    throughput: () =>
      runThroughput(
        defined<ThroughputOptions>({
          repeats,
          warmup,
          tfdataExamples: q ? 1000 : undefined,
          data: o.data,
          verbose: true,
        }),
      ),
    overlap: () =>
      runOverlap(
        defined<OverlapOptions>({
          repeats,
          warmup,
          examplesPerThread: q ? 200 : undefined,
          verbose: true,
        }),
      ),
    workers: () =>
      runWorkers(
        defined<WorkersOptions>({
          repeats,
          warmup,
          examples: q ? 6000 : undefined,
          data: o.data,
          verbose: true,
        }),
      ),
    'end-to-end': () =>
      runEndToEnd(
        defined<EndToEndOptions>({
          epochs: o.e2eEpochs ?? (q ? 3 : undefined),
          repeats: o.e2eRepeats ?? (q ? 1 : undefined),
          data: o.data,
          verbose: true,
        }),
      ),
  };
}

/**
 * Runs the selected benchmarks one after the other, prints each table, and writes all the
 * results (one section per benchmark, plus the machine and load) to `o.out`.
 *
 * @example
 * ```ts
 * await runAll({ only: ['throughput', 'workers'], quick: false, repeats: undefined, e2eEpochs: undefined, e2eRepeats: undefined, data: undefined, out: 'bench/results.json' });
 * ```
 */
export async function runAll(o: RunAllOptions): Promise<void> {
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const machine = machineInfo('per benchmark: see each section');
  console.log(describeMachine(machine));
  const sections: Record<string, { title: string; table: string; seconds: number; data: unknown }> =
    {};
  const run = plans(o);
  for (const name of ALL.filter((n) => o.only.includes(n))) {
    console.log(`\n=== ${name} ===`);
    const t0 = performance.now();
    const report = await run[name]();
    const seconds = (performance.now() - t0) / 1000;
    printReport(report);
    console.log(`(${name}: ${seconds.toFixed(0)} s)`);
    sections[name] = { title: report.title, table: report.table, seconds, data: report.data };
  }
  await writeJson(o.out, {
    date: startedAt.toISOString(),
    finished: new Date().toISOString(),
    command: ['npm run bench --', ...process.argv.slice(2)].join(' '),
    quick: o.quick,
    machine: { ...machine, loadAverageStart: loadBefore, loadAverageEnd: os.loadavg() },
    sections,
  });
}

function parseCli(): RunAllOptions {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: ALL.join(',') },
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      'e2e-epochs': { type: 'string' },
      'e2e-repeats': { type: 'string' },
      data: { type: 'string' },
      out: {
        type: 'string',
        default: path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json'),
      },
    },
    strict: true,
  });
  const only = values.only
    .split(',')
    .filter((s) => s !== '')
    .map((s): BenchName => {
      const name = ALL.find((n) => n === s);
      if (name === undefined) throw new Error(`--only: one of ${ALL.join(', ')}; got ${s}`);
      return name;
    });
  return {
    only,
    quick: values.quick,
    repeats: intArg('repeats', values.repeats, 1),
    e2eEpochs: intArg('e2e-epochs', values['e2e-epochs'], 1),
    e2eRepeats: intArg('e2e-repeats', values['e2e-repeats'], 1),
    data: values.data,
    out: values.out,
  };
}

if (isMainModule(import.meta.url)) {
  await runAll(parseCli());
}
