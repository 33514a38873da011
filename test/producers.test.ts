import { describe, expect, it, jest } from '@jest/globals';
import {
  Coordinator,
  FailedPreconditionError,
  OutOfRangeError,
  QueueRunnerRegistry,
  batch,
  inputProducer,
  limitEpochs,
  rangeInputProducer,
  sliceInputProducer,
  startQueueRunners,
  stringInputProducer,
  type Source,
  type Thread,
} from '../index.js';
import { tf } from '../src/tf.js';
import { rejection, sleep, within } from './helpers/async.js';
import { expectInvalid } from './helpers/expect-invalid.js';

// Every pipeline here settles in milliseconds; a hang must fail fast.
jest.setTimeout(10000);

/** Everything `source` gives until `OutOfRangeError` (at most `max` values), and that error. */
async function drain<T>(
  source: Source<T>,
  max = 100000,
): Promise<{ values: T[]; end: OutOfRangeError }> {
  const values: T[] = [];
  while (values.length <= max) {
    try {
      values.push(await within(source.dequeue()));
    } catch (e) {
      if (e instanceof OutOfRangeError) return { values, end: e };
      throw e;
    }
  }
  throw new Error(`more than ${max} values`);
}

/** The first `n` values of `source`. */
async function take<T>(source: Source<T>, n: number): Promise<T[]> {
  const values: T[] = [];
  for (let i = 0; i < n; i++) values.push(await within(source.dequeue()));
  return values;
}

/** Stops and joins a pipeline, which must leave as many tensors as there were at `start`. */
async function stop(coord: Coordinator, threads: Thread[], start: number): Promise<void> {
  coord.requestStop();
  await within(coord.join(threads));
  expect(tf.memory().numTensors).toBe(start);
}

/** Runs `fn`, which must throw `InvalidArgumentError` with exactly `message`. */

/** Splits `values` into consecutive blocks of `size`. */
function blocks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('limitEpochs', () => {
  it('gives the value numEpochs times, then throws OutOfRangeError', () => {
    const next = limitEpochs('x', 2);
    expect(next()).toBe('x');
    expect(next()).toBe('x');
    expect(next).toThrow(OutOfRangeError);
    // The counter stays at its limit: every later call ends too.
    expect(next).toThrow('Reached the limit of 2 epochs');
  });

  it('gives the value forever without numEpochs', () => {
    const value = { a: 1 };
    const next = limitEpochs(value);
    for (let i = 0; i < 1000; i++) expect(next()).toBe(value);
  });

  it.each([
    [0, '`0` (number)'],
    [-1, '`-1` (number)'],
    [1.5, '`1.5` (number)'],
    [NaN, '`NaN` (number)'],
  ])('rejects numEpochs %p', (numEpochs, shown) => {
    expectInvalid(
      () => limitEpochs('x', numEpochs),
      `Expected \`numEpochs\` to be a positive integer, got ${shown}`,
    );
  });
});

describe('rangeInputProducer', () => {
  it('gives 0..limit-1 per epoch in order without shuffle, then OutOfRangeError', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const ints = rangeInputProducer(5, { numEpochs: 3, shuffle: false, registry, name: 'ints' });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values, end } = await drain(ints);
    expect(values).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(end.message).toBe(
      "FIFOQueue 'ints' is closed and has insufficient elements (requested 1, current size 0)",
    );
    expect(end.cause).toBeUndefined();
    await stop(coord, threads, start);
  });

  it('shuffles within each epoch, never across epochs, and reaches every order', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const ints = rangeInputProducer(3, { numEpochs: 600, seed: 1729, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(ints);
    expect(values).toHaveLength(1800);
    const counts = new Map<string, number>();
    for (const epoch of blocks(values, 3)) {
      // Each block of `limit` outputs is one whole epoch.
      expect(sorted(epoch)).toEqual([0, 1, 2]);
      const key = epoch.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    // TensorFlow's input_test: each order occurs 100 times +- 40% over 600 epochs.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThanOrEqual(60);
      expect(n).toBeLessThanOrEqual(140);
    }
    await stop(coord, threads, start);
  });

  it('repeats its order for the same seed and changes it for another seed', async () => {
    const start = tf.memory().numTensors;
    const run = async (seed: number): Promise<number[]> => {
      const registry = new QueueRunnerRegistry();
      const ints = rangeInputProducer(10, { numEpochs: 5, seed, registry });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry });
      const { values } = await drain(ints);
      await stop(coord, threads, start);
      return values;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(a).toHaveLength(50);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // Shuffled at all: a seed must not give the identity order in every epoch.
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i % 10));
  });

  it('gives chunks of 1..n with dequeueUpTo, every index once per epoch', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const ints = rangeInputProducer(100, { numEpochs: 2, capacity: 16, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const chunks: number[][] = [];
    for (;;) {
      try {
        chunks.push(await within(ints.dequeueUpTo(10)));
      } catch (e) {
        expect(e).toBeInstanceOf(OutOfRangeError);
        break;
      }
    }
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThanOrEqual(1);
      // The producer's queue holds 16, so no chunk can exceed the asked 10.
      expect(chunk.length).toBeLessThanOrEqual(10);
    }
    const all = chunks.flat();
    expect(all).toHaveLength(200);
    // Epochs are not mixed: the first 100 are one permutation, the next 100 another.
    expect(sorted(all.slice(0, 100))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sorted(all.slice(100))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await stop(coord, threads, start);
  });

  it('rejects a bad limit before registering anything', () => {
    const registry = new QueueRunnerRegistry();
    expectInvalid(
      () => rangeInputProducer(0, { registry }),
      'Expected `limit` to be a positive integer, got `0` (number)',
    );
    expect(registry.runners).toHaveLength(0);
  });
});

describe('stringInputProducer', () => {
  it('gives each string once per epoch, epochs shuffled apart', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const files = stringInputProducer(['a', 'b', 'c', 'd'], { numEpochs: 3, seed: 3, registry });
    expect(files.elementSpec).toEqual({
      structure: { kind: 'bare' },
      components: [{ dtype: 'string', shape: [] }],
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(files);
    expect(values).toHaveLength(12);
    for (const epoch of blocks(values, 4)) expect([...epoch].sort()).toEqual(['a', 'b', 'c', 'd']);
    await stop(coord, threads, start);
  });

  it('copies the list: later changes to the caller array do not show', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const names = ['x', 'y'];
    const files = stringInputProducer(names, { numEpochs: 1, shuffle: false, registry });
    names[0] = 'changed';
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect((await drain(files)).values).toEqual(['x', 'y']);
    await stop(coord, threads, start);
  });
});

describe('sliceInputProducer', () => {
  it('keeps tuple rows aligned across shuffled epochs, as views of the column data', async () => {
    const start = tf.memory().numTensors;
    const n = 7;
    const images = new Float32Array(n * 3).map((_, k) => k);
    const labels = Int32Array.from({ length: n }, (_, i) => i * 10);
    const names = Array.from({ length: n }, (_, i) => `s${i}`);
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number, string]>(
      [{ data: images, shape: [n, 3] }, labels, names],
      { numEpochs: 4, seed: 11, registry },
    );
    expect(examples.elementSpec).toEqual({
      structure: { kind: 'tuple', length: 3 },
      components: [
        { dtype: 'float32', shape: [3] },
        { dtype: 'int32', shape: [] },
        { dtype: 'string', shape: [] },
      ],
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(examples);
    expect(values).toHaveLength(4 * n);
    for (const [image, label, name] of values) {
      const i = label / 10;
      expect(name).toBe(`s${i}`);
      expect(Array.from(image)).toEqual([3 * i, 3 * i + 1, 3 * i + 2]);
      // A view into the caller's data at row i, not a copy.
      expect(image).toBeInstanceOf(Float32Array);
      expect(image.buffer).toBe(images.buffer);
      expect(image.byteOffset).toBe(images.byteOffset + i * 3 * Float32Array.BYTES_PER_ELEMENT);
    }
    for (const epoch of blocks(values, n)) {
      expect(sorted(epoch.map(([, label]) => label / 10))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    // Shuffled: the labels do not come in the column's order every epoch.
    expect(values.map(([, label]) => label)).not.toEqual(
      Array.from({ length: 4 * n }, (_, k) => (k % n) * 10),
    );
    await stop(coord, threads, start);
  });

  it('gives records (keys kept) with aligned rows from a record of columns', async () => {
    const start = tf.memory().numTensors;
    const n = 5;
    const pixels = new Float32Array(n * 4).map((_, k) => k / 2);
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<{ image: Float32Array; label: number }>(
      { label: Uint8Array.from([9, 8, 7, 6, 5]), image: { data: pixels, shape: [n, 2, 2] } },
      { numEpochs: 3, seed: 5, registry },
    );
    expect(examples.elementSpec).toEqual({
      structure: { kind: 'record', keys: ['image', 'label'] },
      components: [
        { dtype: 'float32', shape: [2, 2] },
        { dtype: 'int32', shape: [] },
      ],
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(examples);
    expect(values).toHaveLength(3 * n);
    for (const example of values) {
      expect(Object.keys(example).sort()).toEqual(['image', 'label']);
      const i = 9 - example.label;
      expect(Array.from(example.image)).toEqual(
        [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3].map((k) => k / 2),
      );
      expect(example.image.buffer).toBe(pixels.buffer);
      expect(example.image.byteOffset).toBe(i * 4 * Float32Array.BYTES_PER_ELEMENT);
    }
    await stop(coord, threads, start);
  });

  it('reads tensor columns without disposing them', async () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = tf.tensor1d([10, 20, 30], 'int32');
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number]>([x, y], {
      numEpochs: 2,
      shuffle: false,
      registry,
    });
    expect(examples.elementSpec?.components).toEqual([
      { dtype: 'float32', shape: [2] },
      { dtype: 'int32', shape: [] },
    ]);
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(examples);
    expect(values.map(([row, label]) => [Array.from(row), label])).toEqual([
      [[1, 2], 10],
      [[3, 4], 20],
      [[5, 6], 30],
      [[1, 2], 10],
      [[3, 4], 20],
      [[5, 6], 30],
    ]);
    await stop(coord, threads, start);
    expect(x.isDisposed).toBe(false);
    expect(y.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, y]);
  });

  it('flattens nested plain arrays into float32 rows', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const examples = sliceInputProducer<[Float32Array, number]>(
      [
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
        [0, 1],
      ],
      { numEpochs: 1, shuffle: false, registry },
    );
    expect(examples.elementSpec?.components).toEqual([
      { dtype: 'float32', shape: [2, 2] },
      { dtype: 'float32', shape: [] },
    ]);
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(examples);
    expect(values).toEqual([
      [Float32Array.of(1, 2, 3, 4), 0],
      [Float32Array.of(5, 6, 7, 8), 1],
    ]);
    await stop(coord, threads, start);
  });

  it('rejects columns with different first dimensions, naming both', () => {
    const registry = new QueueRunnerRegistry();
    expectInvalid(
      () => sliceInputProducer([new Float32Array(3), new Int32Array(4)], { registry }),
      'Columns of `tensorList` have different first dimensions: column 0 has 3, column 1 has 4',
    );
    expectInvalid(
      () =>
        sliceInputProducer(
          { image: { data: new Float32Array(6), shape: [3, 2] }, label: [1, 2] },
          { registry },
        ),
      'Columns of `tensorList` have different first dimensions: column `image` has 3, ' +
        'column `label` has 2',
    );
    expect(registry.runners).toHaveLength(0);
  });

  it('rejects an empty column list', () => {
    const registry = new QueueRunnerRegistry();
    expectInvalid(
      () => sliceInputProducer([], { registry }),
      'Expected at least one column in `tensorList` (an array or a plain object of columns), ' +
        'got `Array(0)`',
    );
    expect(registry.runners).toHaveLength(0);
  });
});

describe('inputProducer', () => {
  it('gives the rows of one column with its dtype and elementShape', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const rows = inputProducer<Int32Array>(
      { data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 4] },
      { elementShape: [2, 2], numEpochs: 1, shuffle: false, registry },
    );
    expect(rows.elementSpec).toEqual({
      structure: { kind: 'bare' },
      components: [{ dtype: 'int32', shape: [2, 2] }],
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const { values } = await drain(rows);
    expect(values).toEqual([Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7, 8)]);
    await stop(coord, threads, start);
  });

  it('leaves no tensor behind for a string tensor column of rank 2', () => {
    const names = tf.tensor2d(
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [2, 2],
      'string',
    );
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const rows = inputProducer(names, { registry });
    expect(rows.elementSpec?.components).toEqual([{ dtype: 'string', shape: [2] }]);
    expect(tf.memory().numTensors).toBe(start);
    names.dispose();
  });
});

describe('producer options', () => {
  it.each([
    [
      'numEpochs 0',
      { numEpochs: 0 },
      'Expected `numEpochs` to be a positive integer, got `0` (number)',
    ],
    [
      'capacity 0',
      { capacity: 0 },
      'Expected `capacity` to be a positive integer, got `0` (number)',
    ],
    [
      "shuffle 'yes'",
      { shuffle: 'yes' as unknown as boolean },
      'Expected `shuffle` to be a boolean, got `"yes"` (string)',
    ],
    ['seed 1.5', { seed: 1.5 }, 'Expected `seed` to be an integer, got `1.5` (number)'],
  ])('rejects %s in every producer, registering nothing', (_label, bad, message) => {
    const registry = new QueueRunnerRegistry();
    const options = { ...bad, registry };
    expectInvalid(() => rangeInputProducer(3, options), message);
    expectInvalid(() => stringInputProducer(['a'], options), message);
    expectInvalid(() => sliceInputProducer([[1, 2]], options), message);
    expectInvalid(() => inputProducer([1, 2], options), message);
    expect(registry.runners).toHaveLength(0);
  });

  it('rejects an empty string list, registering nothing', () => {
    const registry = new QueueRunnerRegistry();
    expectInvalid(
      () => stringInputProducer([], { registry }),
      'Expected `stringTensor` to hold at least one string, got an empty array',
    );
    expect(registry.runners).toHaveLength(0);
  });

  it('fails a dequeue with FailedPreconditionError when the runners were never started', async () => {
    const registry = new QueueRunnerRegistry();
    const ints = rangeInputProducer(3, { registry, name: 'unstarted', startTimeoutMs: 50 });
    const began = performance.now();
    const e = await rejection(ints.dequeue(), 2000);
    expect(e).toBeInstanceOf(FailedPreconditionError);
    expect((e as Error).message).toBe(
      "dequeue on FIFOQueue 'unstarted' waited 50 ms, but the queue runners that feed it were " +
        'never started: call startQueueRunners({ coord }) before dequeuing',
    );
    expect(performance.now() - began).toBeGreaterThanOrEqual(45);
    expect(registry.runners).toHaveLength(1);
  });
});

describe('map', () => {
  it('applies a sync function to each example', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const doubled = rangeInputProducer(5, { numEpochs: 2, shuffle: false, registry }).map(
      (i) => i * 2,
    );
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect((await drain(doubled)).values).toEqual([0, 2, 4, 6, 8, 0, 2, 4, 6, 8]);
    await stop(coord, threads, start);
  });

  it('applies an async function, in order, also through dequeueUpTo', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const labelled = stringInputProducer(['a', 'b', 'c'], {
      numEpochs: 1,
      shuffle: false,
      registry,
    }).map(async (s) => {
      await sleep(1);
      return `${s}!`;
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    expect(await take(labelled, 1)).toEqual(['a!']);
    // Let the producer fill its queue, so the chunk holds both remaining strings.
    await sleep(5);
    expect(await within(labelled.dequeueUpTo(5))).toEqual(['b!', 'c!']);
    expect(await rejection(labelled.dequeue())).toBeInstanceOf(OutOfRangeError);
    await stop(coord, threads, start);
  });

  it('batches tensors a map returns and disposes them', async () => {
    const start = tf.memory().numTensors;
    const registry = new QueueRunnerRegistry();
    const scalars = rangeInputProducer(10, { numEpochs: 1, shuffle: false, registry }).map((i) =>
      tf.scalar(i),
    );
    const batches = batch(scalars, { batchSize: 5, registry });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const first = await within(batches.dequeue());
    const second = await within(batches.dequeue());
    expect(first.shape).toEqual([5]);
    expect(Array.from(first.dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(second.dataSync())).toEqual([5, 6, 7, 8, 9]);
    expect(await rejection(batches.dequeue())).toBeInstanceOf(OutOfRangeError);
    // Only the two batches are alive: every per-example scalar was disposed once batched.
    expect(tf.memory().numTensors).toBe(start + 2);
    tf.dispose([first, second]);
    await stop(coord, threads, start);
  });
});
