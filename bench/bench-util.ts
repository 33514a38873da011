/**
 * Helpers the benchmarks share: statistics, number formatting, plain-text tables, the machine
 * description printed with every result, and the standalone-run check.
 *
 * Every benchmark module exports an async function returning a {@link BenchReport} and runs
 * itself when started directly (`npx tsx bench/<name>.ts`).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, tfImpl } from '../src/tf.js';

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
