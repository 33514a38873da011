/**
 * Helpers the benchmarks share: statistics, number formatting, plain-text tables, the machine
 * description printed with every result, command-line parsing, and the standalone run.
 *
 * Every benchmark module exports an async function returning a {@link BenchReport} and runs
 * itself when started directly (`npx tsx bench/<name>.ts`).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, tfImpl, useBackend, type BackendName } from './lib.js';

/**
 * What every benchmark function returns: a title, the printed table, and a JSON-able object
 * with the raw numbers.
 *
 * @example
 * ```ts
 * const report: BenchReport = { title: 'overlap', table: '...', data: { rates: [1, 2] } };
 * ```
 */
export interface BenchReport {
  /** One line naming the benchmark and its configuration. */
  readonly title: string;
  /** The printed result: machine line, tables, notes and verdicts. */
  readonly table: string;
  /** The raw figures, JSON-able. */
  readonly data: unknown;
}

/**
 * The machine a result was measured on.
 *
 * @example
 * ```ts
 * const m: MachineInfo = machineInfo('cpu');
 * ```
 */
export interface MachineInfo {
  /** Logical CPUs. */
  readonly cores: number;
  /** CPU model. */
  readonly cpu: string;
  readonly totalMemGiB: number;
  /** Node.js version. */
  readonly node: string;
  /** OS and architecture. */
  readonly platform: string;
  /** `tfjs-node` or `tfjs`. */
  readonly tfImpl: string;
  readonly tfjsVersion: string;
  /** The tfjs backend in use. */
  readonly backend: string;
  /** The 1-minute load average when the benchmark started (others' work skews timings). */
  readonly loadAverage1m: number;
}

/**
 * Describes this machine, the tfjs package and the backend in use.
 *
 * @example
 * ```ts
 * console.log(describeMachine(machineInfo(tf.getBackend())));
 * ```
 */
export function machineInfo(backend: string): MachineInfo {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    tfImpl,
    tfjsVersion: tf.version.tfjs,
    backend,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/**
 * One line describing `m`, printed above every table.
 *
 * @example
 * ```ts
 * describeMachine(machineInfo('cpu')); // 'machine: 2 cores (...), node v20..., ...'
 * ```
 */
export function describeMachine(m: MachineInfo): string {
  return (
    `machine: ${m.cores} cores (${m.cpu}), ${m.totalMemGiB} GiB, node ${m.node}, ${m.platform}, ` +
    `${m.tfImpl} ${m.tfjsVersion}, backend ${m.backend}, load average ${m.loadAverage1m}`
  );
}

/**
 * True when the module whose `import.meta.url` is given was started directly (`npx tsx
 * bench/<name>.ts`), false when it was imported.
 *
 * @example
 * ```ts
 * if (isMainModule(import.meta.url)) await main();
 * ```
 */
export function isMainModule(importMetaUrl: string): boolean {
  const started = process.argv[1];
  return started !== undefined && path.resolve(started) === fileURLToPath(importMetaUrl);
}

/**
 * The median of `xs` (NaN for an empty list).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * The `p`-th percentile of `xs` (0..100), nearest-rank (NaN for an empty list).
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90); // 9
 * ```
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] ?? Number.NaN;
}

/**
 * A rate with thousands separators and no decimals.
 *
 * @example
 * ```ts
 * fmtInt(12345.6); // '12,346'
 * ```
 */
export function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/**
 * A plain-text table: the first column left-aligned (names), the others right-aligned.
 *
 * @example
 * ```ts
 * textTable(['case', 'ex/s'], [['a', '10']]);
 * ```
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/**
 * Resolves after `ms` milliseconds (a Node timer: about 1 ms granularity, and late by ~0.1 ms
 * or more).
 *
 * @example
 * ```ts
 * await sleep(1);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Spins on the main thread for `ms` milliseconds: the event loop runs nothing meanwhile, as
 * during a synchronous tfjs op.
 *
 * @example
 * ```ts
 * busyWait(2); // 2 ms of blocked main thread
 * ```
 */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/**
 * The median wall time of `samples` lone `await sleep(ms)` calls, in milliseconds: what a
 * timer of `ms` really takes here.
 *
 * @example
 * ```ts
 * await measureSleep(1, 200); // e.g. 1.12
 * ```
 */
export async function measureSleep(ms: number, samples: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await sleep(ms);
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/**
 * Parses a command-line number, failing with a message naming the flag.
 *
 * @example
 * ```ts
 * numberArg('latency', '1.5', { min: 0 }); // 1.5
 * ```
 */
export function numberArg(
  name: string,
  text: string,
  { min = -Infinity, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new Error(
      `--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${text}`,
    );
  }
  return v;
}

/**
 * A benchmark's report, its raw figures led by the date and the machine (`{ date, machine,
 * ...data }`), as every benchmark writes them.
 *
 * @example
 * ```ts
 * return benchReport(machine, { title: 'overlap', table, data: { config: o, rows } });
 * ```
 */
export function benchReport(
  machine: MachineInfo,
  report: {
    readonly title: string;
    readonly table: string;
    readonly data: Readonly<Record<string, unknown>>;
  },
): BenchReport {
  return {
    title: report.title,
    table: report.table,
    data: { date: new Date().toISOString(), machine, ...report.data },
  };
}

/**
 * Prints a report as the standalone benchmarks do: title, table, blank line.
 *
 * @example
 * ```ts
 * printReport(await runOverlap());
 * ```
 */
export function printReport(report: BenchReport): void {
  console.log(`\n${report.title}\n`);
  console.log(report.table);
}

/**
 * Writes `data` as indented JSON to `file` and says so.
 *
 * @example
 * ```ts
 * await writeJson('bench/results-overlap.json', report.data);
 * ```
 */
export async function writeJson(file: string, data: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(data, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

/**
 * `a, b or c`: a list of choices as the error messages name them.
 *
 * @example
 * ```ts
 * orList(['timer', 'busy']); // 'timer or busy'
 * ```
 */
function orList(choices: readonly string[]): string {
  const last = choices[choices.length - 1] ?? '';
  return choices.length < 2 ? last : `${choices.slice(0, -1).join(', ')} or ${last}`;
}

/**
 * Parses a command-line integer of at least `min`, failing with a message naming the flag
 * ({@link numberArg} with `integer: true`). An absent flag (`undefined`) stays `undefined`.
 *
 * @example
 * ```ts
 * intArg('repeats', '5', 1); // 5
 * intArg('capacity', undefined, 1); // undefined
 * ```
 */
export function intArg(name: string, text: string, min?: number): number;
export function intArg(name: string, text: string | undefined, min?: number): number | undefined;
export function intArg(
  name: string,
  text: string | undefined,
  min = -Infinity,
): number | undefined {
  return text === undefined ? undefined : numberArg(name, text, { min, integer: true });
}

/**
 * Checks that a command-line value is one of `choices`, failing with
 * `--<name> must be a, b or c, got <text>`.
 *
 * @example
 * ```ts
 * const runner = choiceArg('runner', 'tsx', ['dist', 'tsx']); // 'tsx', typed 'dist' | 'tsx'
 * ```
 */
export function choiceArg<const T extends string>(
  name: string,
  text: string,
  choices: readonly T[],
): T {
  const found = choices.find((c) => c === text);
  if (found === undefined) throw new Error(`--${name} must be ${orList(choices)}, got ${text}`);
  return found;
}

/**
 * Splits a comma-separated command-line list and checks every item is one of `choices`,
 * failing with `--<name>: a, b or c, got <item>`.
 *
 * @example
 * ```ts
 * listArg('modes', 'timer,busy', ['timer', 'busy']); // ['timer', 'busy']
 * ```
 */
export function listArg<const T extends string>(
  name: string,
  text: string,
  choices: readonly T[],
): T[] {
  return text.split(',').map((item) => {
    const found = choices.find((c) => c === item);
    if (found === undefined) throw new Error(`--${name}: ${orList(choices)}, got ${item}`);
    return found;
  });
}

/** The backends `--backend` takes, in the order its error message names them. */
const BACKENDS: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/**
 * Checks a `--backend` value: `auto`, `tensorflow`, `wasm` or `cpu`.
 *
 * @example
 * ```ts
 * backendArg('wasm'); // 'wasm'
 * backendArg('gpu'); // throws: --backend must be auto, tensorflow, wasm or cpu, got gpu
 * ```
 */
export function backendArg(text: string): BackendName {
  return choiceArg('backend', text, BACKENDS);
}

/**
 * The `parseArgs` declarations of the flags every benchmark takes: `--backend` (default
 * `backend`) and `--json FILE`.
 *
 * @example
 * ```ts
 * const { values } = parseArgs({ options: { ...benchFlags('cpu'), repeats: { type: 'string' } } });
 * values.backend; // 'cpu' unless given
 * ```
 */
export function benchFlags(backend: string): {
  readonly backend: { readonly type: 'string'; readonly default: string };
  readonly json: { readonly type: 'string' };
} {
  return { backend: { type: 'string', default: backend }, json: { type: 'string' } };
}

/**
 * What a benchmark's command line gives: the options of its `run` function, and where the
 * JSON goes (`--json`), if anywhere.
 *
 * @example
 * ```ts
 * const cli: BenchCli<{ repeats: number }> = { options: { repeats: 5 }, json: undefined };
 * ```
 */
export interface BenchCli<O> {
  /** The options given on the command line. */
  readonly options: Partial<O>;
  /** `--json FILE`. */
  readonly json: string | undefined;
}

/**
 * A logger that prints its line when `verbose`, and does nothing otherwise.
 *
 * @example
 * ```ts
 * const log = verboseLog(o.verbose);
 * log('round 1 / 5');
 * ```
 */
export function verboseLog(verbose: boolean): (line: string) => void {
  return (line) => {
    if (verbose) console.log(line);
  };
}

/**
 * What {@link startBench} sets up: the backend in use, the machine, and the benchmark's logger.
 *
 * @example
 * ```ts
 * const { backend, machine, log }: BenchStart = await startBench({ backend: 'cpu', verbose: true });
 * ```
 */
export interface BenchStart {
  /** The tfjs backend in use (what `useBackend` chose). */
  readonly backend: string;
  /** The machine, with that backend. */
  readonly machine: MachineInfo;
  /** Prints a line when the benchmark is verbose. */
  readonly log: (line: string) => void;
}

/**
 * The start of an in-process benchmark: selects the tfjs backend, describes the machine, and
 * (when verbose) prints that description.
 *
 * @example
 * ```ts
 * const { machine, log } = await startBench({ backend: 'cpu', verbose: true });
 * log(`load average ${machine.loadAverage1m}`);
 * ```
 */
export async function startBench(o: {
  readonly backend: BackendName;
  readonly verbose: boolean;
}): Promise<BenchStart> {
  const backend = await useBackend(o.backend);
  const machine = machineInfo(backend);
  const log = verboseLog(o.verbose);
  log(describeMachine(machine));
  return { backend, machine, log };
}

/**
 * The standalone run of a benchmark module: when the module whose `import.meta.url` is given
 * was started directly, parses its command line, runs it, prints the report and writes the
 * raw figures to `--json FILE` if given. Resolves to the report, or to `undefined` (doing
 * nothing) when the module was imported.
 *
 * @example
 * ```ts
 * await runStandalone(import.meta.url, parseCli, runOverlap);
 * ```
 */
export async function runStandalone<O>(
  importMetaUrl: string,
  parseCli: () => BenchCli<O>,
  run: (options: Partial<O>) => Promise<BenchReport>,
): Promise<BenchReport | undefined> {
  if (!isMainModule(importMetaUrl)) return undefined;
  const { options, json } = parseCli();
  const report = await run(options);
  printReport(report);
  if (json !== undefined) await writeJson(json, report.data);
  return report;
}
