import { describe, expect, it, jest } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import {
  CancelledError,
  Coordinator,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
  QueueRunnerRegistry,
  batch,
  batchJoin,
  inputProducer,
  maybeBatch,
  rangeInputProducer,
  shuffleBatch,
  shuffleBatchJoin,
  sliceInputProducer,
  startQueueRunners,
  toDataset,
  trainLoop,
  type ArrayBatch,
  type Element,
  type MaybeBatchOptions,
  type Source,
  type Thread,
} from '../index.js';
import { tf } from '../src/tf.js';
import { rejection, sleep, state, within } from './helpers/async.js';
import { until } from './helpers/threads.js';
import { expectInvalid } from './helpers/expect-invalid.js';

// Every pipeline here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

/** Stops and joins a pipeline, which must leave as many tensors as there were at `start`. */
async function stop(coord: Coordinator, threads: Thread[], start: number): Promise<void> {
  coord.requestStop();
  await within(coord.join(threads));
  expect(tf.memory().numTensors).toBe(start);
}

/** Every batch of `source` until `OutOfRangeError`, and that error. */
async function drain<B>(source: Source<B>): Promise<{ batches: B[]; end: OutOfRangeError }> {
  const batches: B[] = [];
  for (;;) {
    try {
      batches.push(await within(source.dequeue()));
    } catch (e) {
      if (e instanceof OutOfRangeError) return { batches, end: e };
      throw e;
    }
  }
}

/** The values of each batch (disposing it), until `OutOfRangeError`. */
async function drainValues(source: Source<Tensor>): Promise<number[][]> {
  const out: number[][] = [];
  for (const b of (await drain(source)).batches) {
    out.push(Array.from(b.dataSync()));
    b.dispose();
  }
  return out;
}

/**
 * A user source over a list, without `dequeueUpTo` or a spec: each `dequeue()` gives the next
 * item, then `OutOfRangeError`. Items may be thunks, so tensors are created only when taken.
 */
function listSource<E>(items: readonly (E | (() => E))[]): Source<E> {
  let i = 0;
  return {
    dequeue: () => {
      if (i >= items.length) return Promise.reject(new OutOfRangeError('list exhausted'));
      const item = items[i++] as E | (() => E);
      return Promise.resolve(typeof item === 'function' ? (item as () => E)() : item);
    },
  };
}

/** Runs `fn`, which must throw `InvalidArgumentError` with exactly `message`. */

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

describe('batch', () => {
  it('gives ordered batches with one thread, then OutOfRangeError (input_test Basic)', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(30, { numEpochs: 1, shuffle: false, registry });
    const batches = batch(examples, { batchSize: 10, registry, name: 'ordered' });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got, end } = await drain(batches);
    expect(got.map((b) => b.shape)).toEqual([[10], [10], [10]]);
    expect(got.map((b) => Array.from(b.dataSync()))).toEqual([
      range(0, 10),
      range(10, 20),
      range(20, 30),
    ]);
    expect(end.message).toBe(
      "FIFOQueue 'ordered' is closed and has insufficient elements (requested 10, current size 0)",
    );
    expect(end.cause).toBeUndefined();
    tf.dispose(got);
    await stop(coord, threads, start);
  });

  it('gives a smaller final batch with allowSmallerFinalBatch', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(35, { numEpochs: 1, shuffle: false, registry }).map((i) =>
      tf.scalar(i),
    );
    const batches = batch(examples, { batchSize: 10, allowSmallerFinalBatch: true, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect(await drainValues(batches)).toEqual([
      range(0, 10),
      range(10, 20),
      range(20, 30),
      range(30, 35),
    ]);
    expect(tf.memory().numTensors).toBe(start);
    await stop(coord, threads, start);
  });

  it('drops the final 1..batchSize-1 examples without it, disposing their tensors', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(35, { numEpochs: 1, shuffle: false, registry }).map((i) =>
      tf.scalar(i),
    );
    const batches = batch(examples, { batchSize: 10, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect(await drainValues(batches)).toEqual([range(0, 10), range(10, 20), range(20, 30)]);
    // The five leftover scalars were released when the end of input was reached.
    expect(tf.memory().numTensors).toBe(start);
    // And the end stays the end.
    expect(await rejection(batches.dequeue())).toBeInstanceOf(OutOfRangeError);
    await stop(coord, threads, start);
  });

  it('delivers every example exactly once with four threads (input_test ManyThreads)', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(100, { numEpochs: 2, shuffle: false, registry }).map(
      async (i) => {
        // Uneven work makes the threads overtake each other.
        if (i % 7 === 0) await sleep(1);
        return i;
      },
    );
    const batches = batch(examples, {
      batchSize: 10,
      numThreads: 4,
      allowSmallerFinalBatch: true,
      registry,
    });
    expect(registry.runners.map((r) => r.name)).toHaveLength(2);
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    // One producer thread and four batch threads.
    expect(threads).toHaveLength(5);
    const all = (await drainValues(batches)).flat();
    expect(all.sort((a, b) => a - b)).toEqual(range(0, 100).flatMap((i) => [i, i]));
    await stop(coord, threads, start);
  });

  it('ends a for await loop at the end of input', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(12, { numEpochs: 1, shuffle: false, registry });
    const batches = batch(examples, { batchSize: 5, allowSmallerFinalBatch: true, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const seen: number[][] = [];
    await within(
      (async () => {
        for await (const b of batches) {
          seen.push(Array.from(b.dataSync()));
          b.dispose();
        }
      })(),
    );
    expect(seen).toEqual([range(0, 5), range(5, 10), range(10, 12)]);
    await stop(coord, threads, start);
  });
});

describe('batch element forms and dtypes', () => {
  it('batches int32, float32 and string columns to tensors of those dtypes', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number, string]>(
      [
        { data: Float32Array.from(range(0, 12)), shape: [4, 3] },
        Int32Array.from([10, 11, 12, 13]),
        ['a', 'b', 'c', 'd'],
      ],
      { numEpochs: 1, shuffle: false, registry },
    );
    const batches = batch(examples, { batchSize: 2, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const [x, y, s] = await within(batches.dequeue());
    expect([x.dtype, x.shape]).toEqual(['float32', [2, 3]]);
    expect([y.dtype, y.shape]).toEqual(['int32', [2]]);
    expect([s.dtype, s.shape]).toEqual(['string', [2]]);
    expect(x.arraySync()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(y.arraySync()).toEqual([10, 11]);
    expect(s.arraySync()).toEqual(['a', 'b']);
    tf.dispose([x, y, s]);
    await stop(coord, threads, start);
  });

  it('keeps a one-element tuple a tuple, a bare component bare and record keys', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const opts = { numEpochs: 1, shuffle: false, registry };
    const tuples = batch(sliceInputProducer<[number]>([Int32Array.from([1, 2])], opts), {
      batchSize: 2,
      registry,
    });
    const bare = batch(inputProducer<number>(Int32Array.from([3, 4]), opts), {
      batchSize: 2,
      registry,
    });
    const records = batch(
      sliceInputProducer<{ b: number; a: Float32Array }>(
        { b: [5, 6], a: [Float32Array.of(1, 2), Float32Array.of(3, 4)].map((r) => Array.from(r)) },
        opts,
      ),
      { batchSize: 2, registry },
    );
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });

    const t = await within(tuples.dequeue());
    expect(Array.isArray(t)).toBe(true);
    expect(t).toHaveLength(1);
    expect([t[0].dtype, t[0].arraySync()]).toEqual(['int32', [1, 2]]);

    const b = await within(bare.dequeue());
    expect(b).toBeInstanceOf(tf.Tensor);
    expect([b.dtype, b.arraySync()]).toEqual(['int32', [3, 4]]);

    const r = await within(records.dequeue());
    expect(Object.keys(r).sort()).toEqual(['a', 'b']);
    expect([r.a.shape, r.a.arraySync()]).toEqual([
      [2, 2],
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    expect([r.b.dtype, r.b.arraySync()]).toEqual(['float32', [5, 6]]);

    tf.dispose([t, b, r]);
    await stop(coord, threads, start);
  });

  it("gives { data, shape } with output 'arrays' and creates no tensor", async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number, string]>(
      [
        { data: Float32Array.from(range(0, 10)), shape: [5, 2] },
        Int32Array.from([7, 8, 9, 10, 11]),
        ['p', 'q', 'r', 's', 't'],
      ],
      { numEpochs: 1, shuffle: false, registry },
    );
    const batches = batch(examples, {
      batchSize: 3,
      output: 'arrays',
      allowSmallerFinalBatch: true,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    const expected: ArrayBatch[][] = [
      [
        { data: Float32Array.of(0, 1, 2, 3, 4, 5), shape: [3, 2] },
        { data: Int32Array.of(7, 8, 9), shape: [3] },
        { data: ['p', 'q', 'r'], shape: [3] },
      ],
      [
        { data: Float32Array.of(6, 7, 8, 9), shape: [2, 2] },
        { data: Int32Array.of(10, 11), shape: [2] },
        { data: ['s', 't'], shape: [2] },
      ],
    ];
    expect(got).toEqual(expected);
    expect(tf.memory().numTensors).toBe(start);
    await stop(coord, threads, start);
  });

  it('splits source elements that are already batches with enqueueMany', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const source = listSource<[Tensor, ArrayBatch]>([
      () => [
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        { data: Int32Array.of(7, 8, 9), shape: [3] },
      ],
      () => [tf.tensor2d([[10, 11]]), { data: Int32Array.of(12), shape: [1] }],
    ]);
    const batches = batch(source as unknown as Source<[Float32Array, number]>, {
      batchSize: 2,
      enqueueMany: true,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got.map(([x, y]) => [x.dtype, x.arraySync(), y.dtype, y.arraySync()])).toEqual([
      [
        'float32',
        [
          [1, 2],
          [3, 4],
        ],
        'int32',
        [7, 8],
      ],
      [
        'float32',
        [
          [5, 6],
          [10, 11],
        ],
        'int32',
        [9, 12],
      ],
    ]);
    tf.dispose(got);
    // The source's batched tensors were read, split and disposed by the pipeline.
    expect(tf.memory().numTensors).toBe(start);
    await stop(coord, threads, start);
  });

  it('keeps the row shape and dtype of batched source elements with enqueueMany', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const source = listSource<{ image: Tensor; label: Int32Array }>([
      () => ({ image: tf.tensor(range(0, 12), [3, 2, 2]), label: Int32Array.of(1, 2, 3) }),
      () => ({ image: tf.tensor(range(12, 16), [1, 2, 2]), label: Int32Array.of(4) }),
    ]);
    const batches = batch(source as unknown as Source<{ image: Float32Array; label: number }>, {
      batchSize: 2,
      enqueueMany: true,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got.map((b) => [b.image.shape, b.label.dtype, b.label.arraySync()])).toEqual([
      [[2, 2, 2], 'int32', [1, 2]],
      [[2, 2, 2], 'int32', [3, 4]],
    ]);
    expect(got[1]?.image.arraySync()).toEqual([
      [
        [8, 9],
        [10, 11],
      ],
      [
        [12, 13],
        [14, 15],
      ],
    ]);
    tf.dispose(got);
    await stop(coord, threads, start);
  });

  it('reshapes rows to the given shapes', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number]>(
      [{ data: Float32Array.from(range(0, 8)), shape: [2, 4] }, [0, 1]],
      { numEpochs: 1, shuffle: false, registry },
    );
    const batches = batch(examples, { batchSize: 2, shapes: [[2, 2], []], registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const [x, y] = await within(batches.dequeue());
    expect(x.shape).toEqual([2, 2, 2]);
    expect(y.shape).toEqual([2]);
    tf.dispose([x, y]);
    await stop(coord, threads, start);
  });

  it('pads variable-length rows per batch with dynamicPad (padding_fifo_queue_test)', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const rows = [[1], [2], [3], [4, 4], [5, 5, 5], [6, 6, 6, 6]].map((r) => Float32Array.from(r));
    const batches = batch(listSource(rows), {
      batchSize: 5,
      dynamicPad: true,
      allowSmallerFinalBatch: true,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got.map((b) => [b.shape, b.arraySync()])).toEqual([
      [
        [5, 3],
        [
          [1, 0, 0],
          [2, 0, 0],
          [3, 0, 0],
          [4, 4, 0],
          [5, 5, 5],
        ],
      ],
      [[1, 4], [[6, 6, 6, 6]]],
    ]);
    tf.dispose(got);
    await stop(coord, threads, start);
  });
});

describe('batchJoin', () => {
  it('interleaves sources, each in its own order (input_test SingleThreadJoin)', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const tagged = (limit: number, tag: string): Source<[string, number]> =>
      rangeInputProducer(limit, { numEpochs: 1, shuffle: false, registry }).map(
        (i): [string, number] => [tag, i],
      );
    const batches = batchJoin([tagged(72, 'a'), tagged(92, 'b')], {
      batchSize: 5,
      allowSmallerFinalBatch: true,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got.map(([tags]) => tags.shape[0])).toEqual([...Array<number>(32).fill(5), 4]);
    const pairs = got.flatMap(([tags, values]) => {
      // A string tensor's values are strings, whatever the static type says.
      const t = tags.arraySync() as unknown as string[];
      const v = values.arraySync() as number[];
      return t.map((tag, k): [string, number] => [tag, v[k]!]);
    });
    expect(pairs.filter(([t]) => t === 'a').map(([, v]) => v)).toEqual(range(0, 72));
    expect(pairs.filter(([t]) => t === 'b').map(([, v]) => v)).toEqual(range(0, 92));
    tf.dispose(got);
    await stop(coord, threads, start);
  });

  it('rejects records with different keys at construction, naming both key lists', () => {
    const registry = new QueueRunnerRegistry();
    const a: Source<Element> = sliceInputProducer({ x: [1, 2], y: [3, 4] }, { registry });
    const b: Source<Element> = sliceInputProducer({ x: [1, 2], z: [3, 4] }, { registry });
    expectInvalid(
      () => batchJoin([a, b], { batchSize: 2, registry }),
      'Mismatched elements in `sources[1]`: records must have the same keys, got ["x","y"] and ["x","z"]',
    );
    // Only the two producers registered; the batcher left nothing behind.
    expect(registry.runners).toHaveLength(2);
  });

  it('fails the stage when sources without a spec give records with different keys', async () => {
    const registry = new QueueRunnerRegistry();
    const batches = batchJoin<Element, { batchSize: number; registry: QueueRunnerRegistry }>(
      [listSource([{ x: 1, y: 2 }]), listSource([{ x: 1, z: 2 }])],
      { batchSize: 2, registry },
    );
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const end = await rejection(batches.dequeue());
    expect(end).toBeInstanceOf(OutOfRangeError);
    const cause = (end as Error).cause;
    expect(cause).toBeInstanceOf(InvalidArgumentError);
    // The first source's thread starts first, so its element (the stage's element 0) fixed
    // the keys, and the second source's element is element 1.
    expect((cause as Error).message).toBe(
      'Expected element 1 to be a record with keys ["x","y"], got a record with keys ["x","z"]',
    );
    coord.requestStop();
    expect(await rejection(coord.join(threads))).toBe(cause);
  });
});

describe('shuffleBatch', () => {
  const run = async (seed: number): Promise<number[][]> => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(30, { numEpochs: 1, shuffle: false, registry });
    const batches = shuffleBatch(examples, {
      batchSize: 10,
      capacity: 32,
      minAfterDequeue: 16,
      seed,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const got = await drainValues(batches);
    await stop(coord, threads, start);
    return got;
  };

  it('drains to 3 full batches of 30 examples, scrambled, the same for the same seed', async () => {
    const start = tf.memory().numTensors;
    const first = await run(1729);
    expect(first.map((b) => b.length)).toEqual([10, 10, 10]);
    const all = first.flat();
    expect([...all].sort((a, b) => a - b)).toEqual(range(0, 30));
    // Scrambled (input_test): consecutive differences are not all equal.
    const diffs = new Set(all.slice(1).map((v, k) => v - all[k]!));
    expect(diffs.size).toBeGreaterThan(1);
    expect(await run(1729)).toEqual(first);
    expect(await run(87539319)).not.toEqual(first);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects minAfterDequeue >= capacity, registering nothing', () => {
    const registry = new QueueRunnerRegistry();
    const source = listSource([1]);
    expectInvalid(
      () => shuffleBatch(source, { batchSize: 1, capacity: 16, minAfterDequeue: 16, registry }),
      'Expected `minAfterDequeue` to be less than `capacity` (16), got `16` (number)',
    );
    expectInvalid(
      () => shuffleBatch(source, { batchSize: 1, minAfterDequeue: 40, registry }),
      'Expected `minAfterDequeue` to be less than `capacity` (32), got `40` (number)',
    );
    expectInvalid(
      () => shuffleBatch(source, { batchSize: 1, capacity: -1, minAfterDequeue: 0, registry }),
      'Expected `capacity` to be a positive integer, got `-1` (number)',
    );
    expect(registry.runners).toHaveLength(0);
  });
});

describe('shuffleBatchJoin', () => {
  it('mixes 25 and 35 examples of two sources within batches (input_test ShuffleJoin)', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const tagged = (limit: number, tag: number): Source<[number, number]> =>
      rangeInputProducer(limit, { numEpochs: 1, shuffle: false, registry }).map(
        (i): [number, number] => [tag, i],
      );
    const batches = shuffleBatchJoin([tagged(25, 0), tagged(35, 1)], {
      batchSize: 10,
      capacity: 32,
      minAfterDequeue: 16,
      seed: 7,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got).toHaveLength(6);
    const tags = got.map(([t]) => t.arraySync() as number[]);
    const mixed = tags.filter((t) => t.includes(0) && t.includes(1));
    expect(mixed.length).toBeGreaterThanOrEqual(2);
    const values = got.flatMap(([t, v]) => {
      const tv = t.arraySync() as number[];
      return (v.arraySync() as number[]).map((x, k) => `${tv[k]}:${x}`);
    });
    expect(values.sort()).toEqual(
      [...range(0, 25).map((x) => `0:${x}`), ...range(0, 35).map((x) => `1:${x}`)].sort(),
    );
    tf.dispose(got);
    await stop(coord, threads, start);
  });
});

describe('maybeBatch', () => {
  it('batches only the examples keepInput keeps, disposing the others', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(20, { numEpochs: 1, shuffle: false, registry }).map(
      (i): [number, Tensor] => [i, tf.scalar(i * 10)],
    );
    const batches = maybeBatch(examples, {
      batchSize: 5,
      keepInput: ([i]) => i % 2 === 0,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got } = await drain(batches);
    expect(got.map(([i, t]) => [i.arraySync(), t.arraySync()])).toEqual([
      [
        [0, 2, 4, 6, 8],
        [0, 20, 40, 60, 80],
      ],
      [
        [10, 12, 14, 16, 18],
        [100, 120, 140, 160, 180],
      ],
    ]);
    tf.dispose(got);
    expect(tf.memory().numTensors).toBe(start);
    await stop(coord, threads, start);
  });
});

describe('failures', () => {
  const failingAt = (k: number, boom: Error, registry: QueueRunnerRegistry): Source<Tensor> =>
    rangeInputProducer(30, { numEpochs: 1, shuffle: false, registry }).map((i) => {
      if (i === k) throw boom;
      return tf.scalar(i);
    });

  it('ends input with the failure as cause and re-throws it from join', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const boom = new Error('bad example 17');
    const batches = batch(failingAt(17, boom, registry), { batchSize: 5, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { batches: got, end } = await drain(batches);
    // The batches before the failure may or may not be delivered, never one past it.
    expect(got.length).toBeLessThanOrEqual(3);
    tf.dispose(got);
    expect(end.cause).toBe(boom);
    coord.requestStop();
    expect(await rejection(coord.join(threads))).toBe(boom);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('keeps the failure in exceptionsRaised without a coordinator', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const boom = new Error('bad example 3');
    const batches = batch(failingAt(3, boom, registry), { batchSize: 5, registry });
    const [producerRunner, batchRunner] = registry.runners;
    const threads = startQueueRunners({ registry });
    const end = await rejection(batches.dequeue());
    expect(end).toBeInstanceOf(OutOfRangeError);
    expect((end as Error).cause).toBe(boom);
    await within(Promise.all(threads.map((t) => t.done)));
    expect(batchRunner?.exceptionsRaised).toEqual([boom]);
    expect(producerRunner?.exceptionsRaised).toEqual([]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('fails the stage on ragged rows without dynamicPad, through join', async () => {
    const registry = new QueueRunnerRegistry();
    const batches = batch(listSource([Float32Array.of(1), Float32Array.of(1, 2)]), {
      batchSize: 2,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const end = await rejection(batches.dequeue());
    expect(end).toBeInstanceOf(OutOfRangeError);
    const cause = (end as Error).cause;
    expect(cause).toBeInstanceOf(InvalidArgumentError);
    expect((cause as Error).message).toContain('`dynamicPad: true`');
    expect((cause as Error).message).toMatch(/^Shape mismatch in component 0 of element 1: /);
    coord.requestStop();
    expect(await rejection(coord.join(threads))).toBe(cause);
  });

  it('releases a blocked consumer at requestStop and disposes a late map result', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let created = 0;
    const slow = rangeInputProducer(10, { registry }).map(async (i) => {
      await gate;
      created++;
      return tf.scalar(i);
    });
    const batches = batch(slow, { batchSize: 2, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const pending = batches.dequeue({ signal: coord.signal });
    expect(await state(pending)).toBe('pending');
    coord.requestStop();
    // The runner's stop hook (registered at start, before the consumer's) closes the queue
    // first, so the consumer sees the end of input, with no failure as its cause.
    const end = await rejection(pending, 200);
    expect(end).toBeInstanceOf(OutOfRangeError);
    expect((end as Error).cause).toBeUndefined();
    await within(coord.join(threads), 1000);
    release();
    await sleep(10);
    // The map call that was pending at the stop did finish and make its tensor...
    expect(created).toBe(1);
    // ...which was discarded, not leaked.
    expect(tf.memory().numTensors).toBe(start);
  });

  it('disposes what a stop finds in a full queue and in a blocked enqueue', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    let made = 0;
    const examples = rangeInputProducer(100, { registry }).map((i) => {
      made++;
      return tf.scalar(i);
    });
    const batches = batch(examples, { batchSize: 2, capacity: 4, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    // Nobody dequeues: the batch queue fills up and the runner blocks on its next chunk.
    await until(() => made === 6);
    await sleep(5);
    expect(batches.queue.size).toBe(4);
    expect(made).toBe(6);
    coord.requestStop();
    await within(coord.join(threads));
    expect(tf.memory().numTensors).toBe(start);
  });

  it('fails a batch dequeue with FailedPreconditionError when never started', async () => {
    const registry = new QueueRunnerRegistry();
    const batches = batch(listSource([1, 2]), {
      batchSize: 2,
      startTimeoutMs: 30,
      name: 'idle',
      registry,
    });
    const e = await rejection(batches.dequeue());
    expect(e).toBeInstanceOf(FailedPreconditionError);
    expect((e as Error).message).toBe(
      "dequeueMany on FIFOQueue 'idle' waited 30 ms, but the queue runners that feed it were " +
        'never started: call startQueueRunners({ coord }) before dequeuing',
    );
  });

  it('cancels a consumer that was waiting on coord.signal before the runners started', async () => {
    const registry = new QueueRunnerRegistry();
    const never = rangeInputProducer(4, { registry }).map(
      () => new Promise<number>(() => undefined),
    );
    const batches = batch(never, { batchSize: 2, registry, name: 'waiting' });
    const coord = new Coordinator();
    // Its abort listener is on the signal before the runners' stop hook.
    const pending = batches.dequeue({ signal: coord.signal });
    const threads = startQueueRunners({ coord, registry });
    expect(await state(pending)).toBe('pending');
    coord.requestStop();
    const e = await rejection(pending, 200);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe("dequeueMany on FIFOQueue 'waiting' was aborted");
    await within(coord.join(threads), 1000);
  });
});

describe('batcher options', () => {
  const source = listSource([1, 2, 3]);
  it.each([
    [
      'batchSize 0',
      { batchSize: 0 },
      'Expected `batchSize` to be a positive integer, got `0` (number)',
    ],
    [
      'numThreads 0',
      { batchSize: 1, numThreads: 0 },
      'Expected `numThreads` to be a positive integer, got `0` (number)',
    ],
    [
      'capacity -1',
      { batchSize: 1, capacity: -1 },
      'Expected `capacity` to be a positive integer, got `-1` (number)',
    ],
    [
      "output 'x'",
      { batchSize: 1, output: 'x' as 'arrays' },
      "Expected `output` to be 'tensor' or 'arrays', got `\"x\"` (string)",
    ],
  ])('rejects %s, registering nothing', (_label, bad, message) => {
    const registry = new QueueRunnerRegistry();
    const options = { ...bad, registry };
    expectInvalid(() => batch(source, options), message);
    expectInvalid(() => batchJoin([source, source], options), message);
    expectInvalid(() => maybeBatch(source, { ...options, keepInput: () => true }), message);
    expectInvalid(() => shuffleBatch(source, { ...options, minAfterDequeue: 0 }), message);
    expect(registry.runners).toHaveLength(0);
  });

  it('requires keepInput in maybeBatch', () => {
    const registry = new QueueRunnerRegistry();
    const noKeep = { batchSize: 1, registry } as unknown as MaybeBatchOptions<number>;
    expectInvalid(
      () => maybeBatch(source, noKeep),
      'Expected `keepInput` to be a function (element) => boolean, got `undefined`',
    );
    expect(registry.runners).toHaveLength(0);
  });

  it('rejects a source without dequeue, registering nothing', () => {
    const registry = new QueueRunnerRegistry();
    const notASource = { next: () => 1 } as unknown as Source<number>;
    expectInvalid(
      () => batch(notASource, { batchSize: 1, registry }),
      'Expected `source` to be a source (an object with a dequeue() method), got `object` (object)',
    );
    expectInvalid(
      () => batchJoin([source, notASource], { batchSize: 1, registry }),
      'Expected `sources[1]` to be a source (an object with a dequeue() method), got `object` (object)',
    );
    expectInvalid(
      () => batchJoin([], { batchSize: 1, registry }),
      'Expected `sources` to hold at least one source, got an empty array',
    );
    expect(registry.runners).toHaveLength(0);
  });
});

describe('tfjs adapters', () => {
  it('trains a model for one epoch with toDataset and fitDataset', async () => {
    const start = tf.memory().numTensors;
    const n = 20;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer(
      {
        xs: { data: Float32Array.from({ length: n * 4 }, (_, k) => (k % 7) / 7), shape: [n, 4] },
        ys: { data: Float32Array.from({ length: n * 2 }, (_, k) => k % 2), shape: [n, 2] },
      },
      { numEpochs: 1, seed: 3, registry },
    );
    const batches = batch(examples, { batchSize: 8, allowSmallerFinalBatch: true, registry });
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [4] })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    let batchesSeen = 0;
    const history = await within(
      model.fitDataset(toDataset(batches), {
        epochs: 1,
        callbacks: { onBatchEnd: () => void batchesSeen++ },
      }),
      5000,
    );
    expect(history.history.loss).toHaveLength(1);
    // 20 examples by 8: two full batches and one of 4.
    expect(batchesSeen).toBe(3);
    // The model's weights are the only tensors left besides the pipeline's.
    model.dispose();
    await stop(coord, threads, start);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('counts the steps of trainLoop and disposes each batch', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(23, { numEpochs: 1, registry });
    const batches = batch(examples, { batchSize: 5, allowSmallerFinalBatch: true, registry });
    const sizes: number[] = [];
    const indices: number[] = [];
    const steps = await within(
      trainLoop(
        batches,
        (b, index) => {
          sizes.push(b.shape[0]);
          indices.push(index);
        },
        { registry },
      ),
    );
    expect(steps).toBe(5);
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(indices).toEqual([0, 1, 2, 3, 4]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('re-throws a stage failure from trainLoop', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const boom = new Error('corrupt record');
    const examples = rangeInputProducer(50, { numEpochs: 1, shuffle: false, registry }).map((i) => {
      if (i === 12) throw boom;
      return tf.scalar(i);
    });
    const batches = batch(examples, { batchSize: 5, registry });
    const error = await rejection(trainLoop(batches, () => undefined, { registry }));
    expect(error).toBe(boom);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('re-throws a failing step from trainLoop and stops the pipeline', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = rangeInputProducer(10, { registry }).map((i) => tf.scalar(i));
    const batches = batch(examples, { batchSize: 2, registry });
    const oops = new Error('step failed');
    const error = await rejection(
      trainLoop(
        batches,
        (_b, index) => {
          if (index === 2) throw oops;
        },
        { registry },
      ),
    );
    expect(error).toBe(oops);
    expect(tf.memory().numTensors).toBe(start);
  });
});
