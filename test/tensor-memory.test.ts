import { afterAll, describe, expect, it } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import {
  batch,
  Coordinator,
  QueueRunnerRegistry,
  sliceInputProducer,
  startQueueRunners,
} from '../index.js';
import { tensorsInPlace } from '../src/tensor-memory.js';
import { tf, useBackend } from '../src/tf.js';
import { within } from './helpers/async.js';

/** Data ids the backend holds (tensors' memory), whoever owns them. */
function dataIds(): number {
  return tf.backend().numDataIds();
}

describe('tensorsInPlace', () => {
  afterAll(async () => {
    await useBackend('wasm');
  });

  it('on wasm, fills the tensors own memory and returns them', async () => {
    await useBackend('wasm');
    const start = tf.memory().numTensors;
    let views: (Float32Array | Int32Array)[] = [];
    const made = tensorsInPlace(
      [
        { shape: [2, 3], dtype: 'float32' },
        { shape: [2], dtype: 'int32' },
      ],
      (v) => {
        views = v;
        v[0]!.set([0.5, 1, 1.5, 2, 2.5, 3]);
        v[1]!.set([7, -8]);
      },
    );
    expect(made).toHaveLength(2);
    const [x, y] = made as [Tensor, Tensor];
    expect(views.map((v) => v.constructor.name)).toEqual(['Float32Array', 'Int32Array']);
    expect(views.map((v) => v.length)).toEqual([6, 2]);
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[2, 3], 'float32', [2], 'int32']);
    expect(Array.from(x.dataSync())).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(Array.from(y.dataSync())).toEqual([7, -8]);
    // The views are the tensors' memory: no copy was taken.
    views[1]![0] = 9;
    expect(Array.from(y.dataSync())).toEqual([9, -8]);
    // Ordinary tensors: ops work on them and disposing frees them.
    const sum = x.sum();
    expect(sum.dataSync()[0]).toBe(10.5);
    tf.dispose([x, y, sum]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('on wasm, a fill that throws frees the memory and rethrows', async () => {
    await useBackend('wasm');
    const tensors = tf.memory().numTensors;
    const ids = dataIds();
    const error = new Error('fill failed');
    expect(() =>
      tensorsInPlace([{ shape: [4], dtype: 'float32' }], () => {
        throw error;
      }),
    ).toThrow(error);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dataIds()).toBe(ids);
  });

  it('on wasm, the views are right even when an allocation grows (and so moves) the heap', async () => {
    await useBackend('wasm');
    const heap = (): number =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const before = heap();
    // The second tensor is larger than the whole heap: allocating it must grow the heap.
    const big = before / 4 + 1024;
    const made = tensorsInPlace(
      [
        { shape: [4], dtype: 'int32' },
        { shape: [big], dtype: 'float32' },
      ],
      ([small, large]) => {
        small!.set([1, 2, 3, 4]);
        large![0] = 0.5;
        large![big - 1] = -0.5;
      },
    ) as [Tensor, Tensor];
    expect(heap()).toBeGreaterThan(before);
    expect(Array.from(made[0].dataSync())).toEqual([1, 2, 3, 4]);
    const values = made[1].dataSync();
    expect([values[0], values[big - 1]]).toEqual([0.5, -0.5]);
    tf.dispose(made);
  });

  it('on cpu, declines (undefined) without calling fill', async () => {
    await useBackend('cpu');
    let called = false;
    expect(
      tensorsInPlace([{ shape: [2], dtype: 'float32' }], () => {
        called = true;
      }),
    ).toBeUndefined();
    expect(called).toBe(false);
  });
});

describe('batch over sliceInputProducer writes rows into the tensors in place', () => {
  it('converts stored integer rows on the way and leaves no tensor or backend memory behind', async () => {
    await useBackend('wasm');
    const tensors = tf.memory().numTensors;
    const ids = dataIds();
    const n = 7;
    const pixels = Uint8Array.from({ length: n * 2 }, (_, i) => 250 - i);
    const registry = new QueueRunnerRegistry();
    const source = sliceInputProducer(
      [{ data: pixels, shape: [n, 2] }, Float32Array.from([0, 1, 2, 3, 4, 5, 6])],
      {
        numEpochs: 1,
        shuffle: false,
        registry,
      },
    );
    const batches = batch(source, {
      batchSize: 3,
      allowSmallerFinalBatch: true,
      numThreads: 2,
      registry,
    });
    const coord = new Coordinator();
    const threads = startQueueRunners({ coord, registry });
    const rows: number[][] = [];
    const labels: number[][] = [];
    for await (const [x, y] of batches as AsyncIterable<[Tensor, Tensor]>) {
      expect(x.dtype).toBe('int32');
      expect(y.dtype).toBe('float32');
      rows.push(Array.from(x.dataSync()));
      labels.push(Array.from(y.dataSync()));
      tf.dispose([x, y]);
    }
    coord.requestStop();
    await within(coord.join(threads));
    expect(rows).toEqual([
      [250, 249, 248, 247, 246, 245],
      [244, 243, 242, 241, 240, 239],
      [238, 237],
    ]);
    expect(labels).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dataIds()).toBe(ids);
  });
});

describe('tensors written in place hold the same batches as arrays', () => {
  it('for several seeds, batch sizes and thread counts, byte for byte', async () => {
    await useBackend('wasm');
    const n = 203;
    const row = 5;
    const data = Float32Array.from({ length: n * row }, (_, i) => Math.sin(i) * 1000);
    const ids = Int32Array.from({ length: n }, (_, i) => i * 7 - 300);
    const run = async (
      output: 'tensor' | 'arrays',
      seed: number,
      batchSize: number,
      numThreads: number,
    ): Promise<number[][]> => {
      const registry = new QueueRunnerRegistry();
      const source = sliceInputProducer([{ data, shape: [n, row] }, ids], {
        numEpochs: 2,
        seed,
        registry,
      });
      const batches = batch(source, {
        batchSize,
        numThreads,
        allowSmallerFinalBatch: true,
        output,
        registry,
      });
      const coord = new Coordinator();
      const threads = startQueueRunners({ coord, registry });
      const out: number[][] = [];
      for await (const parts of batches as AsyncIterable<unknown[]>) {
        for (const part of parts) {
          if (output === 'tensor') {
            const t = part as Tensor;
            out.push([...t.shape, ...t.dataSync()]);
            t.dispose();
          } else {
            const a = part as { data: Float32Array | Int32Array; shape: number[] };
            out.push([...a.shape, ...a.data]);
          }
        }
      }
      coord.requestStop();
      await within(coord.join(threads));
      return out;
    };
    const tensors = tf.memory().numTensors;
    for (const [seed, batchSize, numThreads] of [
      [1, 10, 1],
      [2, 64, 2],
      [3, 203, 3],
      [4, 7, 4],
    ] as const) {
      const arrays = await run('arrays', seed, batchSize, numThreads);
      expect(arrays).toHaveLength(2 * Math.ceil((2 * n) / batchSize));
      expect(await run('tensor', seed, batchSize, numThreads)).toEqual(arrays);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
