import { Command, Option } from 'commander';
import { loadDataSource, resolveDataSource, type DataSource } from './data-location.js';
import { InvalidArgumentError } from '../src/errors.js';
import { tfImpl, useBackend } from '../src/tf.js';
import { runInChildren } from './child-runs.js';
import {
  anyInteger,
  BACKEND_CHOICES,
  integerAtLeast,
  METHOD_CHOICES,
  MODEL_CHOICES,
  nonEmpty,
  UsageError,
  type TrainCliOptions,
} from './options.js';
import { buildReport, formatReport, writeJsonReport, type RunSettings } from './report.js';
import { runMethod, type Method, type RunResult } from './train.js';
import { trainingSettings } from './settings.js';

/**
 * Default examples per queue: TensorFlow's default for both `slice_input_producer` and `batch`.
 *
 * @example
 * ```ts
 * DEFAULT_CAPACITY; // 32
 * ```
 */
export const DEFAULT_CAPACITY = 32;

const HELP_AFTER = `
Data: --data DIR, else $QUEUEFEED_DATA, else /usr/share/datasets/fashion-mnist (Debian's
dataset-fashion-mnist), else the embedded Fashion-MNIST test split (8 000 train / 2 000 held-out).
A directory holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte, each gzipped or plain.

With --method both, each method runs in its own process, one after the other, with the same
model, seed and data, so that neither inflates the other's peak RSS.

Example:
  queuefeed train --method both --epochs 30 --json results.json`;

/** Turns the data loader's bad-input errors into usage errors naming `--data`. */
function dataError(e: unknown): unknown {
  if (!(e instanceof InvalidArgumentError)) return e;
  // The resolver's messages name `--data` or QUEUEFEED_DATA already; the loader's name a file.
  const named = e.message.includes('--data') || e.message.includes('QUEUEFEED_DATA');
  return new UsageError(named ? e.message : `option '--data <dir>': ${e.message}`);
}

function settingsOf(opts: TrainCliOptions): RunSettings {
  return { ...trainingSettings(opts), backend: opts.backend };
}

/** Trains with one method in this process. */
async function runHere(
  opts: TrainCliOptions,
  method: Method,
  source: DataSource,
): Promise<RunResult> {
  let backend: string;
  try {
    backend = await useBackend(opts.backend);
  } catch (e) {
    throw new UsageError(
      `option '--backend <name>' argument '${opts.backend}' is invalid. ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  process.stdout.write(`${method}: backend ${backend}\n`);
  // Gather workers read shared memory: load straight into it rather than copy the set again.
  const shared = method === 'queue' && opts.workers > 0;
  const data = await loadDataSource(source, { scale: true, oneHot: true, shared }).catch(
    (e: unknown) => {
      throw dataError(e);
    },
  );
  const n = data.train.images.shape[0];
  if (opts.batchSize > n) {
    throw new UsageError(
      `option '--batch-size <n>' argument '${opts.batchSize}' is invalid. The data has only ${n} training examples.`,
    );
  }
  return runMethod({
    method,
    data,
    ...trainingSettings(opts),
    logEvery: opts.logEvery,
    progress: process.stdout.isTTY ? 'bar' : 'lines',
    out: process.stdout,
  });
}

/** The `train` command's action. */
async function train(opts: TrainCliOptions): Promise<void> {
  // Checked here as well as in the children, so that `both` fails before spawning anything.
  if (opts.backend === 'tensorflow' && tfImpl !== 'tfjs-node') {
    throw new UsageError(
      "option '--backend <name>' argument 'tensorflow' is invalid. It needs @tensorflow/tfjs-node, which is not installed; use wasm or cpu.",
    );
  }
  let source: DataSource;
  try {
    source = resolveDataSource({ flag: opts.data });
  } catch (e) {
    throw dataError(e);
  }
  if (opts.child !== true) {
    process.stdout.write(
      `data: ${source.description}\n` +
        `train: model ${opts.model}, ${opts.epochs} epochs, batch ${opts.batchSize}, threads ${opts.threads}, workers ${opts.workers}, capacity ${opts.capacity}, seed ${opts.seed}\n`,
    );
  }
  const results =
    opts.method === 'both'
      ? await runInChildren(opts, ['generator', 'queue'])
      : [await runHere(opts, opts.method, source)];
  const report = buildReport(source.description, settingsOf(opts), results);
  if (opts.child !== true) process.stdout.write(`\n${formatReport(report)}\n`);
  if (opts.json !== undefined) writeJsonReport(opts.json, report);
}

/**
 * The `train` command: trains on MNIST-format data with the plain generator, the queue
 * pipeline or both, and prints a table comparing time, memory and accuracy.
 *
 * @example
 * ```ts
 * const program = new Command('queuefeed').exitOverride();
 * program.addCommand(trainCommand());
 * await program.parseAsync(['train', '--epochs', '1'], { from: 'user' });
 * ```
 */
export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Train a Fashion-MNIST classifier fed by the plain generator, the queue pipeline, or both, and compare time, memory and accuracy.',
    )
    .addOption(
      new Option('--method <method>', 'input pipeline to train with')
        .choices(METHOD_CHOICES)
        .default('both'),
    )
    .addOption(
      new Option('--epochs <n>', 'passes over the training set')
        .argParser(integerAtLeast(1))
        .default(30),
    )
    .addOption(
      new Option('--batch-size <n>', 'examples per step').argParser(integerAtLeast(1)).default(100),
    )
    .addOption(
      new Option('--threads <n>', 'runner threads of the batcher (queue method)')
        .argParser(integerAtLeast(1))
        .default(2),
    )
    .addOption(
      new Option(
        '--workers <n>',
        'worker threads that gather the batches off the main thread (queue method; 0 = on the main thread, the fastest here)',
      )
        .argParser(integerAtLeast(0))
        .default(0),
    )
    .addOption(
      new Option(
        '--capacity <n>',
        "examples each queue holds, producer's and batcher's (queue method); 32 is TensorFlow's default",
      )
        .argParser(integerAtLeast(1))
        .default(DEFAULT_CAPACITY),
    )
    .addOption(
      new Option('--seed <n>', 'seed of the initial weights and the shuffling')
        .argParser(anyInteger)
        .default(42),
    )
    .addOption(
      new Option('--model <kind>', 'softmax: 784->10 regression, SGD 0.5; mlp: 784->128->10, Adam')
        .choices(MODEL_CHOICES)
        .default('softmax'),
    )
    .addOption(
      new Option(
        '--backend <name>',
        'tfjs backend; auto: tensorflow (tfjs-node) if installed, else wasm',
      )
        .choices(BACKEND_CHOICES)
        .default('auto'),
    )
    .addOption(
      new Option('--log-every <n>', 'print the batch training accuracy every n steps')
        .argParser(integerAtLeast(1))
        .default(1000),
    )
    .addOption(new Option('--data <dir>', 'directory of MNIST-format files').argParser(nonEmpty))
    .addOption(new Option('--json <file>', 'also write the figures as JSON').argParser(nonEmpty))
    .addOption(new Option('--child').hideHelp())
    .addHelpText('after', HELP_AFTER)
    .action(async (opts: TrainCliOptions) => train(opts));
}
