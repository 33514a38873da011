import type { Tensor } from '@tensorflow/tfjs';
import { batch } from '../consumers/batch.js';
import { batchIter } from '../consumers/batch-iter.js';
import type { MnistData, MnistSplit } from '../producers/mnist.js';
import { sliceInputProducer } from '../producers/slice-input-producer.js';
import { Coordinator } from '../src/coordinator.js';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { startQueueRunners } from '../src/registry.js';
import { tf } from '../src/tf.js';
import { createModel, type Model, type ModelKind } from './models.js';
import { Progress, type Output, type ProgressMode } from './progress.js';
import { RssSampler } from './rss-sampler.js';
import type { TrainingSettings } from './settings.js';

/**
 * The two ways of feeding the training loop that the `train` command compares.
 *
 * @example
 * ```ts
 * const method: Method = 'queue';
 * ```
 */
export type Method = 'generator' | 'queue';

/**
 * Options of {@link runMethod}.
 *
 * @example
 * ```ts
 * const options: RunOptions = {
 *   method: 'queue', data, epochs: 30, batchSize: 100, threads: 2, workers: 1, capacity: 32, seed: 42,
 *   model: 'softmax', logEvery: 1000, progress: 'lines', out: process.stdout,
 * };
 * ```
 */
export interface RunOptions extends TrainingSettings {
  method: Method;
  /** Images as float32 rows in [0, 1], labels as one-hot float32 rows or int32 class ids. */
  data: MnistData;
  /** Print the training accuracy every this many steps (from step 0). */
  logEvery: number;
  progress: ProgressMode;
  out: Output;
}

/**
 * What one training run measured. Timing covers the training loop only (from building the
 * pipeline to the last runner joined), not loading data or the held-out evaluation.
 *
 * @example
 * ```ts
 * const r: RunResult = await runMethod(options);
 * r.examplesPerSecond; // 41230.5
 * ```
 */
export interface RunResult {
  method: Method;
  /** The tfjs backend in use, e.g. `wasm`. */
  backend: string;
  model: ModelKind;
  epochs: number;
  batchSize: number;
  wallSeconds: number;
  secondsPerEpoch: number;
  examplesPerSecond: number;
  /** Largest resident set size seen during training, in MB (MiB). */
  peakRssMb: number;
  /** Resident set size at the end of each epoch, in MB. */
  rssPerEpochMb: number[];
  /** Seconds from the start of training to the end of each epoch. */
  epochEndSeconds: number[];
  /** Accuracy on the held-out split after training. */
  heldOutAccuracy: number;
  /** `tf.memory().numTensors` before the model was built and after it was disposed. */
  tensorsAtStart: number;
  tensorsAtEnd: number;
  steps: number;
  /** Examples trained on (the generator drops each epoch's tail). */
  examples: number;
}

/** Rows evaluated at once on the held-out split: bounds the memory of evaluation. */
const EVAL_CHUNK = 1000;

/** Accuracy of `model` on a whole split, evaluated in chunks. */
function heldOutAccuracy(model: Model, split: MnistSplit): number {
  const n = split.images.shape[0];
  const pixels = split.images.shape[1];
  const width = split.labels.shape.length === 2 ? split.labels.shape[1] : 1;
  let correct = 0;
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const rows = Math.min(EVAL_CHUNK, n - start);
    const x = tf.tensor2d(
      split.images.data.subarray(start * pixels, (start + rows) * pixels),
      [rows, pixels],
      'float32',
    );
    const labels = split.labels.data.subarray(start * width, (start + rows) * width);
    const y =
      split.labels.shape.length === 2
        ? tf.tensor2d(labels, [rows, width], 'float32')
        : tf.tensor1d(labels, 'int32');
    correct += model.countCorrect(x, y);
    tf.dispose([x, y]);
  }
  return n === 0 ? 0 : correct / n;
}

/** Counts steps, examples and epochs, logs accuracy and progress, samples RSS. */
class StepTracker {
  steps = 0;
  examples = 0;
  epochsDone = 0;
  readonly rssPerEpochMb: number[] = [];
  readonly epochEndSeconds: number[] = [];
  /** When training started (`performance.now()`), for {@link epochEndSeconds}. */
  readonly startedAt = performance.now();
  readonly #options: RunOptions;
  readonly #model: Model;
  readonly #progress: Progress;
  readonly #rss: RssSampler;
  readonly #examplesPerEpoch: number;

  constructor(options: RunOptions, model: Model, progress: Progress, rss: RssSampler) {
    this.#options = options;
    this.#model = model;
    this.#progress = progress;
    this.#rss = rss;
    this.#examplesPerEpoch = options.data.train.images.shape[0];
  }

  /** One training step on `[x, y]`, with the accuracy logged every `logEvery` steps. */
  train(x: Tensor, y: Tensor): void {
    const { logEvery } = this.#options;
    if (this.steps % logEvery === 0) {
      const acc = this.#model.trainStep(x, y, 'accuracy') ?? Number.NaN;
      this.log(`step ${this.steps}, training accuracy ${acc.toFixed(4)}`);
    } else {
      this.#model.trainStep(x, y);
    }
    this.steps += 1;
    this.examples += x.shape[0] ?? 0;
    this.#rss.maybeSample();
  }

  /**
   * Marks the epochs that ended by example count. The queue method's batches straddle epoch
   * boundaries, so an epoch ends at the step that reaches `k * n` examples.
   */
  epochsByExamples(examplesPerEpoch = this.#examplesPerEpoch): void {
    while (
      this.epochsDone < this.#options.epochs &&
      this.examples >= (this.epochsDone + 1) * examplesPerEpoch
    ) {
      this.endEpoch();
    }
    this.#progress.step(this.steps, this.examples, this.epochsDone + 1);
  }

  /** Prints a line without breaking the progress bar. */
  log(line: string): void {
    this.#progress.log(line);
  }

  /** Marks the epochs that did not end by example count (e.g. a run cut short). */
  finish(): void {
    while (this.epochsDone < this.#options.epochs) this.endEpoch();
  }

  private endEpoch(): void {
    this.epochsDone += 1;
    this.epochEndSeconds.push((performance.now() - this.startedAt) / 1000);
    const mb = this.#rss.sample();
    this.rssPerEpochMb.push(mb);
    this.#progress.epochEnd(this.epochsDone, this.examples, mb);
  }
}

/** The plain generator: full batches only, each epoch's tail dropped. */
function trainWithGenerator(options: RunOptions, tracker: StepTracker): void {
  const { data, batchSize, epochs, seed } = options;
  const n = data.train.images.shape[0];
  const usedPerEpoch = Math.floor(n / batchSize) * batchSize;
  for (const [x, y] of batchIter(data.train.images, data.train.labels, batchSize, epochs, {
    shuffle: true,
    seed,
  })) {
    try {
      tracker.train(x, y);
    } finally {
      x.dispose();
      y.dispose();
    }
    tracker.epochsByExamples(usedPerEpoch);
  }
}

/** The queue pipeline, in the shape of the original TensorFlow program. */
async function trainWithQueues(options: RunOptions, tracker: StepTracker): Promise<void> {
  const { data, batchSize, epochs, seed, threads, workers, capacity } = options;
  const { images, labels } = data.train;
  const inputQueue = sliceInputProducer([images, labels], {
    numEpochs: epochs,
    shuffle: true,
    seed,
    capacity,
    workers,
  });
  const batches = batch(inputQueue, {
    batchSize,
    numThreads: threads,
    allowSmallerFinalBatch: true,
    capacity,
  });
  const coord = new Coordinator();
  const runnerThreads = startQueueRunners({ coord });
  try {
    while (!coord.shouldStop()) {
      const [x, y] = (await batches.dequeue()) as [Tensor, Tensor];
      try {
        tracker.train(x, y);
      } finally {
        x.dispose();
        y.dispose();
      }
      tracker.epochsByExamples();
    }
  } catch (e) {
    if (!(e instanceof OutOfRangeError)) throw e;
    tracker.log('Done training');
  } finally {
    coord.requestStop();
  }
  await coord.join(runnerThreads);
}

/** Steps the run will take, for the progress bar. */
function plannedSteps(options: RunOptions): number {
  const n = options.data.train.images.shape[0];
  return options.method === 'generator'
    ? Math.floor(n / options.batchSize) * options.epochs
    : Math.ceil((n * options.epochs) / options.batchSize);
}

/**
 * Trains a fresh model with one input method and measures it: wall time, examples/s, peak
 * RSS (sampled every ~100 ms and at each epoch end), held-out accuracy and the tensor count
 * before and after (equal unless something leaked). Prints `step N, training accuracy X`
 * every `logEvery` steps and, for the queue method, `Done training` at the end of input.
 * The tfjs backend must already be selected (see `useBackend`).
 *
 * @throws InvalidArgumentError when `batchSize` exceeds the training examples.
 *
 * @example
 * ```ts
 * await useBackend('auto');
 * const data = await loadDataSource(resolveDataSource({}), { oneHot: true });
 * const result = await runMethod({ ...options, method: 'generator', data });
 * console.log(result.heldOutAccuracy);
 * ```
 */
export async function runMethod(options: RunOptions): Promise<RunResult> {
  const n = options.data.train.images.shape[0];
  if (options.batchSize > n) {
    throw new InvalidArgumentError(
      `--batch-size ${options.batchSize} is larger than the ${n} training examples`,
    );
  }
  const tensorsAtStart = tf.memory().numTensors;
  const model = createModel(options.model, options.seed);
  const progress = new Progress(options.progress, options.out, {
    label: options.method,
    totalSteps: plannedSteps(options),
    epochs: options.epochs,
  });
  const rss = new RssSampler(100);
  const tracker = new StepTracker(options, model, progress, rss);
  // Training starts now: the tracker's clock is the run's clock.
  const start = tracker.startedAt;
  let wallSeconds: number;
  try {
    if (options.method === 'generator') trainWithGenerator(options, tracker);
    else await trainWithQueues(options, tracker);
    wallSeconds = (performance.now() - start) / 1000;
    tracker.finish();
  } finally {
    progress.stop();
    rss.stop();
  }
  const accuracy = heldOutAccuracy(model, options.data.test);
  model.dispose();
  return {
    method: options.method,
    backend: tf.getBackend(),
    model: options.model,
    epochs: options.epochs,
    batchSize: options.batchSize,
    wallSeconds,
    secondsPerEpoch: wallSeconds / options.epochs,
    examplesPerSecond: wallSeconds > 0 ? tracker.examples / wallSeconds : 0,
    peakRssMb: rss.peakMb,
    rssPerEpochMb: tracker.rssPerEpochMb,
    epochEndSeconds: tracker.epochEndSeconds,
    heldOutAccuracy: accuracy,
    tensorsAtStart,
    tensorsAtEnd: tf.memory().numTensors,
    steps: tracker.steps,
    examples: tracker.examples,
  };
}
