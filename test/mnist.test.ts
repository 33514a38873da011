import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../src/errors.js';
import {
  EMBEDDED_HELD_OUT,
  embeddedDataDir,
  loadEmbeddedFashionMnist,
} from '../producers/embedded-data.js';
import { loadMnist, loadMnistSplit, splitTrainHeldOut } from '../producers/mnist.js';
import { findMnistFile, hasMnistFiles, MNIST_FILE_NAMES } from '../producers/mnist-files.js';
import { makeTempDir, writeIdx, writeMnistSplit } from './helpers/idx-files.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('queuefeed-mnist-'));
});
afterEach(() => cleanup());

/** Awaits `promise`, expecting it to reject, and returns the rejection. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidArgumentError);
  return e as Error;
}

describe('loadMnistSplit', () => {
  it.each([false, true])(
    'flattens and scales images, labels as Int32Array (gzip: %s)',
    async (gzip) => {
      const files = writeMnistSplit(dir, 't10k', { labels: [3, 0, 9], gzip });
      const { images, labels } = await loadMnistSplit(files.images, files.labels);
      expect(images.shape).toEqual([3, 6]);
      expect(images.data).toBeInstanceOf(Float32Array);
      expect(Array.from(images.data)).toEqual(
        Array.from({ length: 18 }, (_, k) => Math.fround(k / 255)),
      );
      expect(labels.shape).toEqual([3]);
      expect(labels.data).toBeInstanceOf(Int32Array);
      expect(Array.from(labels.data)).toEqual([3, 0, 9]);
    },
  );

  it('maps pixel 255 to exactly 1 and 0 to 0', async () => {
    const images = writeIdx(dir, 'i', 'uint8', [1, 1, 2], [0, 255]);
    const labels = writeIdx(dir, 'l', 'uint8', [1], [1]);
    const split = await loadMnistSplit(images, labels);
    expect(Array.from(split.images.data)).toEqual([0, 1]);
  });

  it('keeps raw uint8 pixels with scale: false', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [1, 2], rows: 1, cols: 2 });
    const { images } = await loadMnistSplit(files.images, files.labels, { scale: false });
    expect(images.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(images.data)).toEqual([0, 1, 2, 3]);
    expect(images.shape).toEqual([2, 2]);
  });

  it('puts every array in a SharedArrayBuffer with shared: true, same values', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [1, 2], rows: 1, cols: 2 });
    for (const [scale, oneHot] of [
      [true, false],
      [false, true],
    ] as const) {
      const plain = await loadMnistSplit(files.images, files.labels, { scale, oneHot });
      const shared = await loadMnistSplit(files.images, files.labels, {
        scale,
        oneHot,
        shared: true,
      });
      expect(shared.images.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared.labels.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(plain.images.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(shared.images.data.constructor).toBe(plain.images.data.constructor);
      expect(Array.from(shared.images.data)).toEqual(Array.from(plain.images.data));
      expect(Array.from(shared.labels.data)).toEqual(Array.from(plain.labels.data));
    }
  });

  it('one-hot encodes labels with numClasses', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [2, 0] });
    const { labels } = await loadMnistSplit(files.images, files.labels, {
      oneHot: true,
      numClasses: 3,
    });
    expect(labels.shape).toEqual([2, 3]);
    expect(labels.data).toBeInstanceOf(Float32Array);
    expect(Array.from(labels.data)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('rejects a label >= numClasses when one-hot, naming the file', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [1, 10] });
    const e = await rejection(loadMnistSplit(files.images, files.labels, { oneHot: true }));
    expect(e.message).toBe(
      `Invalid MNIST labels file \`${files.labels}\`: expected labels to be integers from 0 to 9, found 10 at index 1`,
    );
    // Without one-hot the class id passes through.
    const ok = await loadMnistSplit(files.images, files.labels);
    expect(Array.from(ok.labels.data)).toEqual([1, 10]);
  });

  it('rejects negative and fractional labels', async () => {
    const images = writeIdx(dir, 'i', 'uint8', [1, 1, 1], [0]);
    const neg = writeIdx(dir, 'neg', 'int8', [1], [-1]);
    const frac = writeIdx(dir, 'frac', 'float32', [1], [1.5]);
    expect((await rejection(loadMnistSplit(images, neg))).message).toMatch(
      /`.*neg`.*found -1 at index 0/,
    );
    expect((await rejection(loadMnistSplit(images, frac))).message).toMatch(/`.*frac`.*found 1.5/);
  });

  it('rejects images that are not rank 3, naming the file and the shape', async () => {
    const images = writeIdx(dir, 'flat-images', 'uint8', [2, 4], new Array<number>(8).fill(1));
    const labels = writeIdx(dir, 'labels', 'uint8', [2], [0, 1]);
    const e = await rejection(loadMnistSplit(images, labels));
    expect(e.message).toBe(
      `Invalid MNIST images file \`${images}\`: expected rank 3 [n, rows, cols], found shape [2, 4]`,
    );
  });

  it('rejects labels that are not rank 1, naming the file and the shape', async () => {
    const images = writeIdx(dir, 'images', 'uint8', [2, 1, 1], [0, 1]);
    const labels = writeIdx(dir, 'labels-2d', 'uint8', [2, 1], [0, 1]);
    const e = await rejection(loadMnistSplit(images, labels));
    expect(e.message).toBe(
      `Invalid MNIST labels file \`${labels}\`: expected rank 1 [n], found shape [2, 1]`,
    );
  });

  it('rejects non-uint8 images', async () => {
    const images = writeIdx(dir, 'images', 'float32', [1, 1, 1], [0.5]);
    const labels = writeIdx(dir, 'labels', 'uint8', [1], [0]);
    expect((await rejection(loadMnistSplit(images, labels))).message).toMatch(
      /`.*images`: expected uint8 pixels, found Float32Array/,
    );
  });

  it('rejects mismatched image and label counts, naming both files and counts', async () => {
    const images = writeIdx(dir, 'images', 'uint8', [3, 1, 1], [0, 1, 2]);
    const labels = writeIdx(dir, 'labels', 'uint8', [2], [0, 1]);
    const e = await rejection(loadMnistSplit(images, labels));
    expect(e.message).toBe(
      `MNIST image and label counts differ: \`${images}\` holds 3 images, \`${labels}\` holds 2 labels`,
    );
  });

  it('propagates a corrupt file error naming that file', async () => {
    const images = writeIdx(dir, 'images', 'uint8', [3, 1, 1], [0, 1, 2]);
    const e = await rejection(loadMnistSplit(images, join(dir, 'missing-labels')));
    expect(e.message).toContain('missing-labels');
  });

  it('rejects bad options', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [0] });
    await rejection(loadMnistSplit(files.images, files.labels, { numClasses: 0 }));
  });
});

describe('loadMnist', () => {
  it('loads both splits from gzipped or plain standard files', async () => {
    writeMnistSplit(dir, 'train', { labels: [1, 2, 3, 4], gzip: true });
    writeMnistSplit(dir, 't10k', { labels: [5, 6], rows: 1, cols: 1 });
    const data = await loadMnist(dir, { oneHot: true });
    expect(data.dir).toBe(dir);
    expect(data.train.images.shape).toEqual([4, 6]);
    expect(data.train.labels.shape).toEqual([4, 10]);
    expect(data.test.images.shape).toEqual([2, 1]);
    expect(Array.from(data.test.images.data)).toEqual([0, 1 / 255].map(Math.fround));
    expect(Array.from(data.test.labels.data.subarray(10))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('names the missing standard file', async () => {
    writeMnistSplit(dir, 'train', { labels: [1] });
    writeIdx(dir, 't10k-images-idx3-ubyte.gz', 'uint8', [1, 1, 1], [0], true);
    const e = await rejection(loadMnist(dir));
    expect(e.message).toBe(
      `MNIST directory \`${dir}\` has no \`t10k-labels-idx1-ubyte.gz\` or \`t10k-labels-idx1-ubyte\` file`,
    );
  });

  it('names a missing directory', async () => {
    const missing = join(dir, 'nothing');
    expect((await rejection(loadMnist(missing))).message).toBe(
      `MNIST directory \`${missing}\` not found`,
    );
  });

  it('finds files with findMnistFile / hasMnistFiles, preferring .gz', () => {
    expect(hasMnistFiles(dir)).toBe(false);
    writeMnistSplit(dir, 'train', { labels: [1] });
    writeMnistSplit(dir, 'train', { labels: [1], gzip: true });
    writeMnistSplit(dir, 't10k', { labels: [1] });
    expect(findMnistFile(dir, MNIST_FILE_NAMES.trainImages)).toBe(
      join(dir, 'train-images-idx3-ubyte.gz'),
    );
    expect(findMnistFile(dir, MNIST_FILE_NAMES.testImages)).toBe(
      join(dir, 't10k-images-idx3-ubyte'),
    );
    expect(hasMnistFiles(dir)).toBe(true);
  });
});

describe('splitTrainHeldOut', () => {
  it('splits into first n - heldOut and last heldOut rows, as views', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [0, 1, 2, 3, 4], rows: 1, cols: 2 });
    const split = await loadMnistSplit(files.images, files.labels, { scale: false, oneHot: true });
    const { train, test } = splitTrainHeldOut(split, 2);
    expect(train.images.shape).toEqual([3, 2]);
    expect(test.images.shape).toEqual([2, 2]);
    expect(Array.from(test.images.data)).toEqual([6, 7, 8, 9]);
    expect(train.labels.shape).toEqual([3, 10]);
    expect(test.labels.shape).toEqual([2, 10]);
    expect(test.labels.data[3]).toBe(1); // row 0 of test is label 3
    expect(test.images.data.buffer).toBe(split.images.data.buffer);
    expect(train.labels.data.buffer).toBe(split.labels.data.buffer);
  });

  it('splits class-id labels', async () => {
    const files = writeMnistSplit(dir, 't10k', { labels: [7, 8, 9] });
    const { train, test } = splitTrainHeldOut(await loadMnistSplit(files.images, files.labels), 1);
    expect(train.labels.shape).toEqual([2]);
    expect(Array.from(test.labels.data)).toEqual([9]);
  });

  it.each([0, 3, 1.5, -1])('rejects heldOut %p for 3 rows', async (heldOut) => {
    const files = writeMnistSplit(dir, 't10k', { labels: [7, 8, 9] });
    const split = await loadMnistSplit(files.images, files.labels);
    expect(() => splitTrainHeldOut(split, heldOut)).toThrow(InvalidArgumentError);
    expect(() => splitTrainHeldOut(split, heldOut)).toThrow(/`heldOut`.*from 1 to 2/);
  });
});

describe('embedded Fashion-MNIST', () => {
  it('is found in the package, with its licence', () => {
    const embedded = embeddedDataDir();
    expect(embedded.endsWith(join('data', 'fashion-mnist'))).toBe(true);
    expect(existsSync(join(embedded, 'LICENSE'))).toBe(true);
  });

  it('loads 8000 train and 2000 held-out rows of 784 pixels in [0, 1]', async () => {
    const { train, test } = await loadEmbeddedFashionMnist();
    expect(EMBEDDED_HELD_OUT).toBe(2000);
    expect(train.images.shape).toEqual([8000, 784]);
    expect(test.images.shape).toEqual([2000, 784]);
    expect(train.labels.shape).toEqual([8000]);
    expect(test.labels.shape).toEqual([2000]);
    expect(train.images.data.length).toBe(8000 * 784);
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.images.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    for (const labels of [train.labels.data, test.labels.data]) {
      const seen = new Set(labels);
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });
});
