import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, type TrainCliOptions } from './options.js';
import type { TrainReport } from './report.js';
import type { Method, RunResult } from './train.js';

/**
 * The command-line arguments that make a child train with `method` and the parent's settings,
 * writing its result to `jsonFile`.
 *
 * @example
 * ```ts
 * childArgs(opts, 'queue', '/tmp/q.json'); // ['train', '--child', '--method', 'queue', ...]
 * ```
 */
export function childArgs(opts: TrainCliOptions, method: Method, jsonFile: string): string[] {
  const args = [
    'train',
    '--child',
    '--method',
    method,
    '--epochs',
    String(opts.epochs),
    '--batch-size',
    String(opts.batchSize),
    '--threads',
    String(opts.threads),
    '--workers',
    String(opts.workers),
    '--capacity',
    String(opts.capacity),
    '--seed',
    String(opts.seed),
    '--model',
    opts.model,
    '--backend',
    opts.backend,
    '--log-every',
    String(opts.logEvery),
    '--json',
    jsonFile,
  ];
  if (opts.data !== undefined) args.push('--data', opts.data);
  return args;
}

/** Runs this same program with `args`, its output on ours; resolves to its exit code. */
function runSelf(args: readonly string[]): Promise<number> {
  const script = process.argv[1];
  if (script === undefined) return Promise.reject(new Error('process.argv[1] is not set'));
  return new Promise((resolve, reject) => {
    // process.execArgv carries the loader flags of `tsx` (or none for the compiled file), so
    // the child runs the same way the parent was started.
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    // A child killed by a signal exits like a shell reports it: 128 + the signal number.
    child.once('close', (code, signal) =>
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])),
    );
  });
}

/**
 * Trains with each method in its own child process, one after the other, so that the peak
 * RSS of one run cannot include the other's memory, and returns the children's results.
 *
 * @throws CliError with the child's exit code when a child fails.
 *
 * @example
 * ```ts
 * const [generator, queue] = await runInChildren(opts, ['generator', 'queue']);
 * ```
 */
export async function runInChildren(
  opts: TrainCliOptions,
  methods: readonly Method[],
): Promise<RunResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'queuefeed-train-'));
  try {
    const results: RunResult[] = [];
    for (const method of methods) {
      const file = join(dir, `${method}.json`);
      const code = await runSelf(childArgs(opts, method, file));
      if (code !== 0) throw new CliError(`the ${method} run failed (exit code ${code})`, code);
      const report = JSON.parse(readFileSync(file, 'utf8')) as TrainReport;
      results.push(...report.results);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
