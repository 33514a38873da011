import { writeFileSync } from 'node:fs';
import type { RunResult } from './train.js';
import type { TrainingSettings } from './settings.js';

/**
 * The queue method's figures divided by the generator's (below 1: the queue is faster or
 * smaller; examples/s above 1: the queue is faster).
 *
 * @example
 * ```ts
 * const r: Ratio = { wall: 0.97, secondsPerEpoch: 0.97, examplesPerSecond: 1.03, peakRss: 1.1 };
 * ```
 */
export interface Ratio {
  wall: number;
  secondsPerEpoch: number;
  examplesPerSecond: number;
  peakRss: number;
}

/**
 * The settings a run was made with, as written to the JSON report.
 *
 * @example
 * ```ts
 * const settings: RunSettings = { model: 'softmax', epochs: 30, batchSize: 100, threads: 2, workers: 1, capacity: 32, seed: 42, backend: 'auto' };
 * ```
 */
export interface RunSettings extends TrainingSettings {
  backend: string;
}

/**
 * Everything `--json FILE` writes: the data used, the settings, one result per method and,
 * when both methods ran, the queue/generator ratio.
 *
 * @example
 * ```ts
 * const report: TrainReport = { data, settings, results: [gen, queue], ratio: ratio(queue, gen) };
 * writeJsonReport('results.json', report);
 * ```
 */
export interface TrainReport {
  /** The sentence saying which data was used. */
  data: string;
  settings: RunSettings;
  results: RunResult[];
  ratio: Ratio | null;
}

/**
 * Queue over generator for each figure.
 *
 * @example
 * ```ts
 * ratio(queueResult, generatorResult).wall; // 0.97
 * ```
 */
export function ratio(queue: RunResult, generator: RunResult): Ratio {
  const div = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b);
  return {
    wall: div(queue.wallSeconds, generator.wallSeconds),
    secondsPerEpoch: div(queue.secondsPerEpoch, generator.secondsPerEpoch),
    examplesPerSecond: div(queue.examplesPerSecond, generator.examplesPerSecond),
    peakRss: div(queue.peakRssMb, generator.peakRssMb),
  };
}

/** One column of the table: header, alignment and how to print a result's value. */
interface Column {
  header: string;
  align: 'left' | 'right';
  value: (r: RunResult) => string;
}

const COLUMNS: readonly Column[] = [
  { header: 'method', align: 'left', value: (r) => r.method },
  { header: 'backend', align: 'left', value: (r) => r.backend },
  { header: 'epochs', align: 'right', value: (r) => r.epochs.toString() },
  { header: 'wall s', align: 'right', value: (r) => r.wallSeconds.toFixed(2) },
  { header: 's/epoch', align: 'right', value: (r) => r.secondsPerEpoch.toFixed(3) },
  { header: 'examples/s', align: 'right', value: (r) => r.examplesPerSecond.toFixed(0) },
  { header: 'peak RSS MB', align: 'right', value: (r) => r.peakRssMb.toFixed(0) },
  { header: 'held-out acc', align: 'right', value: (r) => r.heldOutAccuracy.toFixed(4) },
  {
    header: 'tensors start/end',
    align: 'right',
    value: (r) => `${r.tensorsAtStart}/${r.tensorsAtEnd}`,
  },
];

/**
 * The result table: a header row and one row per method, columns aligned.
 *
 * @example
 * ```ts
 * console.log(formatTable([generatorResult, queueResult]));
 * // method     backend  epochs  wall s  s/epoch  examples/s  peak RSS MB  held-out acc  tensors start/end
 * // generator  wasm         30   12.31    0.410       19497          301        0.8090                0/0
 * ```
 */
export function formatTable(results: readonly RunResult[]): string {
  const rows = [
    COLUMNS.map((c) => c.header),
    ...results.map((r) => COLUMNS.map((c) => c.value(r))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          COLUMNS[i]!.align === 'left' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The one-line comparison printed under the table.
 *
 * @example
 * ```ts
 * formatRatio(ratio(queue, generator));
 * // 'queue/generator: wall x0.97, s/epoch x0.97, examples/s x1.03, peak RSS x1.10'
 * ```
 */
export function formatRatio(r: Ratio): string {
  const x = (v: number): string => `x${v.toFixed(2)}`;
  return `queue/generator: wall ${x(r.wall)}, s/epoch ${x(r.secondsPerEpoch)}, examples/s ${x(r.examplesPerSecond)}, peak RSS ${x(r.peakRss)}`;
}

/**
 * The table, plus the ratio line when both methods ran.
 *
 * @example
 * ```ts
 * process.stdout.write(formatReport(report) + '\n');
 * ```
 */
export function formatReport(report: TrainReport): string {
  const table = formatTable(report.results);
  return report.ratio === null ? table : `${table}\n${formatRatio(report.ratio)}`;
}

/**
 * Builds the report of one or two runs; the ratio needs one run of each method.
 *
 * @example
 * ```ts
 * const report = buildReport(source.description, settings, [generatorResult, queueResult]);
 * ```
 */
export function buildReport(
  data: string,
  settings: RunSettings,
  results: readonly RunResult[],
): TrainReport {
  const queue = results.find((r) => r.method === 'queue');
  const generator = results.find((r) => r.method === 'generator');
  return {
    data,
    settings,
    results: [...results],
    ratio: queue !== undefined && generator !== undefined ? ratio(queue, generator) : null,
  };
}

/**
 * Writes the report as indented JSON.
 *
 * @example
 * ```ts
 * writeJsonReport('results.json', report);
 * ```
 */
export function writeJsonReport(file: string, report: TrainReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
