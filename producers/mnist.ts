import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError } from '../src/errors.js';
import { booleanOption, invalidArgument, positiveInteger } from '../src/validate.js';
import { readIdxFile, type IdxArray } from './idx.js';
import { findMnistFile, MNIST_FILE_NAMES } from './mnist-files.js';

/**
 * Options of {@link loadMnist} and {@link loadMnistSplit}.
 *
 * @example
 * ```ts
 * const opts: MnistOptions = { scale: false, oneHot: true, numClasses: 10 };
 * ```
 */
export interface MnistOptions {
  /** Images as `Float32Array` in [0, 1] (pixel / 255); `false` keeps the raw `Uint8Array`. Default `true`. */
  scale?: boolean;
  /** Labels as one-hot `Float32Array` rows of `numClasses`; `false` gives `Int32Array` class ids. Default `false`. */
  oneHot?: boolean;
  /** Number of classes for `oneHot` (labels must be below it). Default `10`. */
  numClasses?: number;
  /**
   * Put the arrays in `SharedArrayBuffer`s, so that a `sliceInputProducer` with `workers`
   * shares them with its worker threads as they are instead of copying the data set once
   * more. Default `false`.
   */
  shared?: boolean;
}

/** A split's images: one flattened image (`rows * cols` pixels) per row. */
export interface MnistImages {
  data: Float32Array | Uint8Array;
  shape: [number, number];
}

/** A split's labels: class ids `[n]`, or one-hot rows `[n, numClasses]`. */
export interface MnistLabels {
  data: Int32Array | Float32Array;
  shape: [number] | [number, number];
}

/**
 * One split of an MNIST-format data set: row `i` of `images` has label `i` of `labels`.
 *
 * @example
 * ```ts
 * const { images, labels } = (await loadMnist(dir)).test;
 * images.shape; // [10000, 784]
 * labels.shape; // [10000]
 * ```
 */
export interface MnistSplit {
  images: MnistImages;
  labels: MnistLabels;
}

/**
 * A whole MNIST-format data set and the directory it came from.
 *
 * @example
 * ```ts
 * const { train, test, dir } = await loadMnist('/usr/share/datasets/fashion-mnist');
 * ```
 */
export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
  dir: string;
}

/** Validated options with defaults applied. */
interface ResolvedMnistOptions {
  scale: boolean;
  oneHot: boolean;
  numClasses: number;
  shared: boolean;
}

/** `new Ctor(n)`, in a `SharedArrayBuffer` when `shared`. */
function alloc<A extends Float32Array | Int32Array | Uint8Array>(
  Ctor: new (buffer: ArrayBuffer) => A,
  bytesPerElement: number,
  n: number,
  shared: boolean,
): A {
  const buffer = shared
    ? new SharedArrayBuffer(n * bytesPerElement)
    : new ArrayBuffer(n * bytesPerElement);
  return new Ctor(buffer as ArrayBuffer);
}

function resolveOptions(options: MnistOptions): ResolvedMnistOptions {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  return {
    scale: booleanOption('scale', options.scale ?? true),
    oneHot: booleanOption('oneHot', options.oneHot ?? false),
    numClasses: positiveInteger('numClasses', options.numClasses ?? 10),
    shared: booleanOption('shared', options.shared ?? false),
  };
}

/** Flattens `[n, rows, cols]` uint8 images to `[n, rows * cols]`, scaled to [0, 1] on request. */
function toImages(raw: IdxArray, file: string, scale: boolean, shared: boolean): MnistImages {
  const [n, rows, cols] = raw.shape;
  if (raw.shape.length !== 3 || n === undefined || rows === undefined || cols === undefined) {
    throw new InvalidArgumentError(
      `Invalid MNIST images file \`${file}\`: expected rank 3 [n, rows, cols], found shape [${raw.shape.join(', ')}]`,
    );
  }
  if (!(raw.data instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `Invalid MNIST images file \`${file}\`: expected uint8 pixels, found ${raw.data.constructor.name}`,
    );
  }
  const shape: [number, number] = [n, rows * cols];
  const pixels = raw.data;
  if (!scale) {
    if (!shared) return { data: pixels, shape };
    const copy = alloc(Uint8Array, 1, pixels.length, true);
    copy.set(pixels);
    return { data: copy, shape };
  }
  const data = alloc(Float32Array, 4, pixels.length, shared);
  // Division rather than multiplication by 1/255 so that 255 maps to exactly 1.
  for (let i = 0; i < pixels.length; i++) data[i] = pixels[i]! / 255;
  return { data, shape };
}

/** Converts rank-1 labels to `Int32Array` class ids or one-hot `Float32Array` rows. */
function toLabels(raw: IdxArray, file: string, options: ResolvedMnistOptions): MnistLabels {
  const [n] = raw.shape;
  if (raw.shape.length !== 1 || n === undefined) {
    throw new InvalidArgumentError(
      `Invalid MNIST labels file \`${file}\`: expected rank 1 [n], found shape [${raw.shape.join(', ')}]`,
    );
  }
  const { oneHot, numClasses } = options;
  const expected = oneHot ? `integers from 0 to ${numClasses - 1}` : 'non-negative integers';
  const ids = alloc(Int32Array, 4, n, options.shared && !oneHot);
  for (let i = 0; i < n; i++) {
    const label = raw.data[i]!;
    // Checked always, not only for one-hot: a negative or fractional class id would be
    // silently wrapped or truncated by Int32Array.
    if (!Number.isInteger(label) || label < 0 || (oneHot && label >= numClasses)) {
      throw new InvalidArgumentError(
        `Invalid MNIST labels file \`${file}\`: expected labels to be ${expected}, found ${label} at index ${i}`,
      );
    }
    ids[i] = label;
  }
  if (!oneHot) return { data: ids, shape: [n] };
  const data = alloc(Float32Array, 4, n * numClasses, options.shared);
  for (let i = 0; i < n; i++) data[i * numClasses + ids[i]!] = 1;
  return { data, shape: [n, numClasses] };
}

/**
 * Loads one split from an images file (`[n, rows, cols]` uint8) and a labels file (`[n]`),
 * each gzipped or plain IDX.
 *
 * @throws InvalidArgumentError when a file is missing or malformed, has the wrong rank, the
 * image and label counts differ, or (with `oneHot`) a label is not below `numClasses`.
 *
 * @example
 * ```ts
 * const test = await loadMnistSplit(
 *   'fashion-mnist/t10k-images-idx3-ubyte.gz',
 *   'fashion-mnist/t10k-labels-idx1-ubyte.gz',
 *   { oneHot: true },
 * );
 * test.labels.shape; // [10000, 10]
 * ```
 */
export async function loadMnistSplit(
  imagesPath: string,
  labelsPath: string,
  options: MnistOptions = {},
): Promise<MnistSplit> {
  const resolved = resolveOptions(options);
  checkPath('imagesPath', imagesPath);
  checkPath('labelsPath', labelsPath);
  const [rawImages, rawLabels] = await Promise.all([
    readIdxFile(imagesPath),
    readIdxFile(labelsPath),
  ]);
  const images = toImages(rawImages, imagesPath, resolved.scale, resolved.shared);
  const labels = toLabels(rawLabels, labelsPath, resolved);
  if (images.shape[0] !== labels.shape[0]) {
    throw new InvalidArgumentError(
      `MNIST image and label counts differ: \`${imagesPath}\` holds ${images.shape[0]} images, \`${labelsPath}\` holds ${labels.shape[0]} labels`,
    );
  }
  return { images, labels };
}

/** Throws unless `value` is a non-empty string (a number would be taken as a file descriptor). */
function checkPath(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(name, 'a path (a non-empty string)', value);
  }
}

/** Path of one standard file in `dir`, or an error naming the file that is missing. */
function requireMnistFile(dir: string, name: string): string {
  const path = findMnistFile(dir, name);
  if (path === undefined) {
    throw new InvalidArgumentError(
      `MNIST directory \`${dir}\` has no \`${name}.gz\` or \`${name}\` file`,
    );
  }
  return path;
}

/**
 * Loads an MNIST-format data set (MNIST, Fashion-MNIST, ...) from `dir`, which holds the
 * four standard files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each gzipped (`.gz`) or plain.
 *
 * @throws InvalidArgumentError when `dir` or a file is missing, or see {@link loadMnistSplit}.
 *
 * @example
 * ```ts
 * const { train, test } = await loadMnist('/usr/share/datasets/fashion-mnist');
 * train.images.shape; // [60000, 784], Float32Array in [0, 1]
 * train.labels.shape; // [60000], Int32Array of 0..9
 * ```
 */
export async function loadMnist(dir: string, options: MnistOptions = {}): Promise<MnistData> {
  resolveOptions(options); // reject bad options before touching the disk
  checkPath('dir', dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InvalidArgumentError(`MNIST directory \`${dir}\` not found`);
  }
  const files = {
    trainImages: requireMnistFile(dir, MNIST_FILE_NAMES.trainImages),
    trainLabels: requireMnistFile(dir, MNIST_FILE_NAMES.trainLabels),
    testImages: requireMnistFile(dir, MNIST_FILE_NAMES.testImages),
    testLabels: requireMnistFile(dir, MNIST_FILE_NAMES.testLabels),
  };
  const [train, test] = await Promise.all([
    loadMnistSplit(files.trainImages, files.trainLabels, options),
    loadMnistSplit(files.testImages, files.testLabels, options),
  ]);
  return { train, test, dir };
}

/** Rows `[start, end)` of a split, as views on its arrays. */
function sliceRows(split: MnistSplit, start: number, end: number): MnistSplit {
  const { images, labels } = split;
  const pixels = images.shape[1];
  const width = labels.shape.length === 2 ? labels.shape[1] : 1;
  const rows = end - start;
  return {
    images: { data: images.data.subarray(start * pixels, end * pixels), shape: [rows, pixels] },
    labels: {
      data: labels.data.subarray(start * width, end * width),
      shape: labels.shape.length === 2 ? [rows, labels.shape[1]] : [rows],
    },
  };
}

/**
 * Splits one split into a training part (the first `n - heldOut` rows) and a held-out test
 * part (the last `heldOut` rows). Both parts are views on `split`'s arrays: nothing is
 * copied, so writing to one writes to `split`.
 *
 * @throws InvalidArgumentError unless `heldOut` is an integer from 1 to `n - 1`.
 *
 * @example
 * ```ts
 * const { train, test } = splitTrainHeldOut(mnist.test, 2000);
 * train.images.shape; // [8000, 784]
 * test.images.shape; // [2000, 784]
 * ```
 */
export function splitTrainHeldOut(
  split: MnistSplit,
  heldOut: number,
): { train: MnistSplit; test: MnistSplit } {
  const images = (split as Partial<MnistSplit> | null)?.images;
  const labels = (split as Partial<MnistSplit> | null)?.labels;
  if (
    !Array.isArray(images?.shape) ||
    !ArrayBuffer.isView(images.data) ||
    !Array.isArray(labels?.shape) ||
    !ArrayBuffer.isView(labels.data)
  ) {
    throw invalidArgument('split', 'an MNIST split ({ images, labels })', split);
  }
  const n = split.images.shape[0];
  if (!Number.isInteger(heldOut) || heldOut < 1 || heldOut > n - 1) {
    throw invalidArgument(
      'heldOut',
      `an integer from 1 to ${n - 1} (the split has ${n} rows)`,
      heldOut,
    );
  }
  return { train: sliceRows(split, 0, n - heldOut), test: sliceRows(split, n - heldOut, n) };
}
