import { describe, expect, it } from '@jest/globals';
import type { Tensor } from '@tensorflow/tfjs';
import { batchIter } from '../consumers/batch-iter.js';
import { tf } from '../src/tf.js';
import { expectInvalid } from './helpers/expect-invalid.js';

/** `n` examples: features row i is [i, i, i] (as { data, shape }), label i is i. */
function dataset(n: number): {
  features: { data: Float32Array; shape: number[] };
  labels: Int32Array;
} {
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) data.fill(i, i * 3, i * 3 + 3);
  return { features: { data, shape: [n, 3] }, labels: Int32Array.from({ length: n }, (_, i) => i) };
}

/** Runs the generator to the end; returns the label ids of each batch, disposing tensors. */
function labelOrder(batches: Iterable<[Tensor, Tensor]>): number[][] {
  const out: number[][] = [];
  for (const [x, y] of batches) {
    const ids = Array.from(y.dataSync());
    const rows = x.arraySync() as number[][];
    rows.forEach((row, j) => expect(row).toEqual([ids[j], ids[j], ids[j]]));
    out.push(ids);
    tf.dispose([x, y]);
  }
  return out;
}

describe('batchIter', () => {
  it('yields full batches only: 105 examples, batch 10, 2 epochs -> 20 batches', () => {
    const { features, labels } = dataset(105);
    const before = tf.memory().numTensors;
    let count = 0;
    for (const [x, y] of batchIter(features, labels, 10, 2, { seed: 1 })) {
      expect(x.shape).toEqual([10, 3]);
      expect(x.dtype).toBe('float32');
      expect(y.shape).toEqual([10]);
      expect(y.dtype).toBe('int32');
      tf.dispose([x, y]);
      count++;
    }
    expect(count).toBe(20);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps features and labels aligned and visits each example at most once per epoch', () => {
    const { features, labels } = dataset(105);
    const batches = labelOrder(batchIter(features, labels, 10, 2, { seed: 3 }));
    for (const epoch of [batches.slice(0, 10).flat(), batches.slice(10).flat()]) {
      expect(epoch).toHaveLength(100);
      expect(new Set(epoch).size).toBe(100);
      for (const id of epoch) expect(id >= 0 && id < 105).toBe(true);
    }
  });

  it('covers a permutation of all examples each epoch when the batch size divides them', () => {
    const { features, labels } = dataset(40);
    const batches = labelOrder(batchIter(features, labels, 8, 3, { seed: 5 }));
    const epochs = [0, 1, 2].map((e) => batches.slice(e * 5, e * 5 + 5).flat());
    const all = Array.from({ length: 40 }, (_, i) => i);
    for (const epoch of epochs) expect([...epoch].sort((a, b) => a - b)).toEqual(all);
    expect(epochs[0]).not.toEqual(all);
    expect(epochs[1]).not.toEqual(epochs[0]);
  });

  it('gives the same order for the same seed and another for another seed', () => {
    const { features, labels } = dataset(50);
    const a = labelOrder(batchIter(features, labels, 5, 2, { seed: 42 }));
    const b = labelOrder(batchIter(features, labels, 5, 2, { seed: 42 }));
    const c = labelOrder(batchIter(features, labels, 5, 2, { seed: 43 }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps the order without shuffle and drops the tail', () => {
    const { features, labels } = dataset(7);
    const order = labelOrder(batchIter(features, labels, 3, 2, { shuffle: false }));
    expect(order).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('takes any column kind: tensors, nested arrays, strings', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const batches = [
      ...batchIter(x, ['a', 'b'], 2, 1, { shuffle: false }),
      ...batchIter([[1], [2]], [0.5, 1.5], 1, 1, { shuffle: false }),
    ];
    expect(batches[0]![0].arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(batches[0]![1].dtype).toBe('string');
    expect(batches[0]![1].arraySync()).toEqual(['a', 'b']);
    expect(batches[1]![0].arraySync()).toEqual([[1]]);
    expect(batches[2]![1].arraySync()).toEqual([1.5]);
    expect(x.isDisposed).toBe(false);
    tf.dispose([x, ...batches.flat()]);
  });

  it('checks its arguments at the call', () => {
    const { features, labels } = dataset(10);
    expectInvalid(
      () => batchIter(features, labels, 0, 1),
      'Expected `batchSize` to be a positive integer, got `0` (number)',
    );
    expectInvalid(
      () => batchIter(features, labels, 2, 1.5),
      'Expected `numEpochs` to be a positive integer, got `1.5` (number)',
    );
    expectInvalid(
      () => batchIter(features, labels.subarray(0, 9), 2, 1),
      'Expected `features` and `labels` to have the same number of examples, got 10 and 9',
    );
    expectInvalid(
      () => batchIter(features, labels, 11, 1),
      'Expected `batchSize` to be at most the number of examples (10), got 11',
    );
    expectInvalid(
      () => batchIter(features, labels, 2, 1, { shuffle: 'yes' as unknown as boolean }),
      'Expected `shuffle` to be a boolean, got `"yes"` (string)',
    );
    expectInvalid(
      () => batchIter(features, labels, 2, 1, { seed: 0.5 }),
      'Expected `seed` to be an integer, got `0.5` (number)',
    );
    expectInvalid(
      () => batchIter([], labels, 2, 1),
      'Expected `features` to hold at least one example (a first dimension >= 1), got `Array(0)`',
    );
  });
});
