import { describe, expect, it } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import {
  batch,
  Coordinator,
  DeadlineExceededError,
  failedStage,
  InvalidArgumentError,
  OutOfRangeError,
  QueueRunnerRegistry,
  shuffleBatch,
  sliceInputProducer,
  startQueueRunners,
  type ArrayBatch,
  type SliceInputProducerOptions,
} from '../index.js';
import { tf, useBackend } from '../src/tf.js';
import { rejection, sleep, within } from './helpers/async.js';
import { NAPPING_MS, SLEEP_MS } from '../producers/ring-layout.js';

const MAPS = new URL('./fixtures/worker-maps.ts', import.meta.url);
const ROW = 3;

/** `n` examples: row i is [i, i + 0.25, i + 0.5], label i. */
function columns(n: number): [{ data: Float32Array; shape: number[] }, Int32Array] {
  const data = new Float32Array(n * ROW);
  for (let i = 0; i < n; i++) for (let k = 0; k < ROW; k++) data[i * ROW + k] = i + k / 4;
  return [{ data, shape: [n, ROW] }, Int32Array.from({ length: n }, (_, i) => i)];
}

interface Run {
  /** Labels of every batch, in order. */
  readonly labels: number[][];
  /** First value of every row, in order. */
  readonly firsts: number[];
}

/** Runs sliceInputProducer -> batch to the end with `output: 'arrays'`. */
async function runArrays(
  n: number,
  producer: SliceInputProducerOptions,
  batchSize: number,
  numThreads: number,
  allowSmallerFinalBatch = true,
): Promise<Run> {
  const registry = new QueueRunnerRegistry();
  const source = sliceInputProducer(columns(n), { ...producer, registry });
  const batches = batch(source, {
    batchSize,
    numThreads,
    allowSmallerFinalBatch,
    output: 'arrays',
    registry,
  });
  const coord = new Coordinator();
  const threads = startQueueRunners({ coord, registry });
  const labels: number[][] = [];
  const firsts: number[] = [];
  for await (const [x, y] of batches as AsyncIterable<[ArrayBatch, ArrayBatch]>) {
    labels.push(Array.from(y.data as Int32Array));
    const data = x.data as Float32Array;
    for (let j = 0; j < x.shape[0]!; j++) firsts.push(data[j * ROW]!);
  }
  coord.requestStop();
  await within(coord.join(threads), 10000);
  expect(threads.every((t) => !t.isAlive())).toBe(true);
  expect(batches.queue.isClosed).toBe(true);
  return { labels, firsts };
}

describe('batch over sliceInputProducer (block path)', () => {
  it('gives every example once per epoch, in the producer order, with any numThreads', async () => {
    const one = await runArrays(23, { numEpochs: 2, seed: 5 }, 4, 1);
    expect(one.labels.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2]);
    const flat = one.labels.flat();
    expect(flat.slice(0, 23).sort((a, b) => a - b)).toEqual([...Array(23).keys()]);
    expect(flat.slice(23).sort((a, b) => a - b)).toEqual([...Array(23).keys()]);
    // Rows travel with their labels.
    expect(one.firsts).toEqual(flat);
    for (const threads of [2, 3, 4]) {
      expect((await runArrays(23, { numEpochs: 2, seed: 5 }, 4, threads)).labels).toEqual(
        one.labels,
      );
    }
  });

  it('drops the final partial batch without allowSmallerFinalBatch', async () => {
    const run = await runArrays(10, { numEpochs: 1, shuffle: false }, 4, 2, false);
    expect(run.labels).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('gives tensors and leaks none; earlier batches stay intact on the cpu backend', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const start = tf.memory().numTensors;
      const registry = new QueueRunnerRegistry();
      const source = sliceInputProducer(columns(9), { numEpochs: 1, shuffle: false, registry });
      const batches = batch(source, { batchSize: 3, allowSmallerFinalBatch: true, registry });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry });
      const got: [Tensor, Tensor][] = [];
      for await (const b of batches as AsyncIterable<[Tensor, Tensor]>) got.push(b);
      expect(got.map(([, y]) => Array.from(y.dataSync()))).toEqual([
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
      ]);
      expect(got[0]![0].shape).toEqual([3, ROW]);
      expect(got[0]![0].dtype).toBe('float32');
      expect(got[0]![1].dtype).toBe('int32');
      expect(Array.from(got[0]![0].dataSync())).toEqual([0, 0.25, 0.5, 1, 1.25, 1.5, 2, 2.25, 2.5]);
      coord.requestStop();
      await within(coord.join(threads));
      tf.dispose(got);
      expect(tf.memory().numTensors).toBe(start);
    }
  });

  it('arrays handed out belong to the consumer: later batches do not overwrite them', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(6), { numEpochs: 1, shuffle: false, registry });
    const batches = batch(source, { batchSize: 2, output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const kept: ArrayBatch[] = [];
    for await (const [, y] of batches as AsyncIterable<[ArrayBatch, ArrayBatch]>) kept.push(y);
    expect(kept.map((y) => Array.from(y.data as Int32Array))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    coord.requestStop();
    await within(coord.join(threads));
  });

  it('the same batches whether rows are gathered on the main thread or on 1 or 2 workers', async () => {
    const main = await runArrays(57, { numEpochs: 2, seed: 11 }, 8, 2);
    for (const workers of [1, 2]) {
      const run = await runArrays(57, { numEpochs: 2, seed: 11, workers }, 8, 3);
      expect(run.labels).toEqual(main.labels);
      expect(run.firsts).toEqual(main.firsts);
    }
  });

  it('gather workers idle long enough to sleep still wake for the next block', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(60), {
      numEpochs: 1,
      shuffle: false,
      workers: 2,
      registry,
    });
    // One block in the batch queue: blocks are asked for as the consumer goes, not all at once.
    const batches = batch(source, { batchSize: 3, capacity: 3, output: 'arrays', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const labels: number[] = [];
    const waits: number[] = [];
    for (;;) {
      const asked = performance.now();
      let y: ArrayBatch;
      try {
        [, y] = await batches.dequeue();
      } catch (error) {
        expect(error).toBeInstanceOf(OutOfRangeError);
        break;
      }
      waits.push(performance.now() - asked);
      labels.push(...(y.data as Int32Array));
      // Once, long enough for the workers to go from napping to sleeping until notified; the
      // blocks read after it are requested from sleeping workers.
      if (labels.length === 6) await sleep(NAPPING_MS + 300);
    }
    coord.requestStop();
    await within(coord.join(threads), 10000);
    expect(labels).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Woken when asked, not when a sleeping worker's timed wait (SLEEP_MS) runs out.
    expect(SLEEP_MS).toBeGreaterThan(2000);
    expect(Math.max(...waits)).toBeLessThan(1000);
  }, 20000);
});

describe('workerMap', () => {
  it('runs the per-example function on the workers', async () => {
    const run = await runArrays(10, { numEpochs: 1, shuffle: false, workerMap: MAPS }, 5, 2);
    expect(run.labels).toEqual([
      [100, 101, 102, 103, 104],
      [105, 106, 107, 108, 109],
    ]);
    expect(run.firsts).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('seeds info.random by seed and position: the same numbers with 1 or 2 workers', async () => {
    const noisy = { module: MAPS, exportName: 'noisy' };
    const a = await runArrays(30, { numEpochs: 2, seed: 3, workers: 1, workerMap: noisy }, 6, 1);
    const b = await runArrays(30, { numEpochs: 2, seed: 3, workers: 2, workerMap: noisy }, 6, 4);
    expect(b.firsts).toEqual(a.firsts);
    expect(new Set(a.firsts).size).toBe(60);
    expect(a.firsts.every((v) => v >= 0 && v < 1)).toBe(true);
    const c = await runArrays(30, { numEpochs: 2, seed: 4, workers: 1, workerMap: noisy }, 6, 1);
    expect(c.firsts).not.toEqual(a.firsts);
  });

  it('reaches per-example consumers too (shuffleBatch dequeues through the workers)', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(8), {
      numEpochs: 1,
      workerMap: MAPS,
      registry,
    });
    const batches = shuffleBatch(source, {
      batchSize: 8,
      capacity: 8,
      minAfterDequeue: 0,
      output: 'arrays',
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const [x, y] = await within<[ArrayBatch, ArrayBatch]>(batches.dequeue(), 10000);
    const labels = Array.from(y.data as Int32Array);
    expect([...labels].sort((p, q) => p - q)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    const data = x.data as Float32Array;
    labels.forEach((label, j) => expect(data[j * ROW]).toBe((label - 100) * 2));
    coord.requestStop();
    await within(coord.join(threads), 10000);
  });

  it('a throwing map is a stage failure: OutOfRangeError with it as cause, join rethrows it', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(8), {
      numEpochs: 1,
      shuffle: false,
      workerMap: { module: MAPS, exportName: 'failsAt3' },
      registry,
    });
    const batches = batch(source, { batchSize: 2, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const err = await rejection(
      (async () => {
        for (;;) await batches.dequeue();
      })(),
      10000,
    );
    expect(err).toBeInstanceOf(OutOfRangeError);
    const cause = (err as OutOfRangeError).cause;
    expect((cause as Error).message).toBe('bad example 3');
    await expect(within(coord.join(threads), 10000)).rejects.toBe(cause);
  });

  it('a row of the wrong size coming back is reported with its position', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(4), {
      numEpochs: 1,
      workerMap: { module: MAPS, exportName: 'wrongSize' },
      registry,
    });
    const batches = batch(source, { batchSize: 2, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const err = await rejection(batches.dequeue(), 10000);
    expect(((err as OutOfRangeError).cause as Error).message).toBe(
      'workerMap: the example at position 0 came back with component 0 not a typed array of 3 values',
    );
    // Errors cross from the worker thread as copies: same class name and message.
    await expect(within(coord.join(threads), 10000)).rejects.toMatchObject({
      name: 'TypeError',
      message: ((err as OutOfRangeError).cause as Error).message,
    });
  });

  it('rejects bad workers and workerMap arguments before registering anything', () => {
    const registry = new QueueRunnerRegistry();
    const cases: [SliceInputProducerOptions, string][] = [
      [{ workers: -1 }, 'Expected `workers` to be a non-negative integer, got `-1` (number)'],
      [{ workers: 1.5 }, 'Expected `workers` to be a non-negative integer, got `1.5` (number)'],
      [
        { workerMap: MAPS, workers: 0 },
        'Expected `workers` to be at least 1 with `workerMap`, got `0` (number)',
      ],
      [
        { workerMap: 'relative/path.js' },
        'Expected `workerMap` to be a module URL, a file: URL string or an absolute path, or { module, exportName }, got `"relative/path.js"` (string)',
      ],
    ];
    for (const [options, message] of cases) {
      expect(() => sliceInputProducer(columns(2), { ...options, registry })).toThrow(
        new InvalidArgumentError(message),
      );
    }
    expect(() => sliceInputProducer([['a', 'b']], { workers: 1, registry })).toThrow(
      new InvalidArgumentError(
        'Expected numeric columns with `workers` (strings cannot be shared with worker threads), got strings in column 0 of `tensorList`, e.g. `"a"` (string)',
      ),
    );
    expect(registry.runners).toEqual([]);
  });

  it('stepTimeoutMs fails a stage whose worker map hangs, naming the stage', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(6), {
      numEpochs: 1,
      shuffle: false,
      workerMap: { module: MAPS, exportName: 'hangsAt2' },
      registry,
    });
    const batches = batch(source, { batchSize: 3, stepTimeoutMs: 300, name: 'hung', registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const err = await rejection(batches.dequeue(), 10000);
    expect(err).toBeInstanceOf(OutOfRangeError);
    const cause = (err as OutOfRangeError).cause;
    expect(cause).toBeInstanceOf(DeadlineExceededError);
    expect((cause as Error).message).toBe(
      "QueueRunner for queue 'hung' (QueueRunnerThread-hung-0): a step took longer than stepTimeoutMs = 300 ms",
    );
    expect(failedStage(cause)).toBe('hung');
    await expect(within(coord.join(threads), 10000)).rejects.toBe(cause);
    expect(threads.every((t) => !t.isAlive())).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('stepTimeoutMs on the block path', () => {
  it('a slow consumer (backpressure) never counts toward the limit', async () => {
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(columns(40), { numEpochs: 1, registry });
    const batches = batch(source, {
      batchSize: 4,
      numThreads: 3,
      capacity: 4,
      stepTimeoutMs: 20,
      output: 'arrays',
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    let seen = 0;
    for await (const [, y] of batches as AsyncIterable<[ArrayBatch, ArrayBatch]>) {
      seen += y.shape[0]!;
      await sleep(40);
    }
    expect(seen).toBe(40);
    coord.requestStop();
    await within(coord.join(threads), 5000);
  });

  it('a stop mid-epoch with gather workers ends every thread and leaves no tensor', async () => {
    const start = tf.memory().numTensors;
    for (const workers of [1, 2]) {
      const registry = new QueueRunnerRegistry();
      const source = sliceInputProducer(columns(500), { numEpochs: 3, workers, registry });
      const batches = batch(source, { batchSize: 10, numThreads: 3, registry });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry });
      const got: Tensor[] = [];
      for (let i = 0; i < 5; i++)
        got.push(...((await within(batches.dequeue(), 10000)) as Tensor[]));
      expect(got.map((t) => t.shape[0])).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
      coord.requestStop();
      await within(coord.join(threads), 5000);
      expect(threads.every((t) => !t.isAlive())).toBe(true);
      expect(batches.queue.isClosed).toBe(true);
      tf.dispose(got);
    }
    expect(tf.memory().numTensors).toBe(start);
  });
});
