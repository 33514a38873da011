import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The standard file names of an MNIST-format data set, without the optional `.gz`.
 * MNIST, Fashion-MNIST and Debian's `dataset-fashion-mnist` package all use them.
 *
 * @example
 * ```ts
 * MNIST_FILE_NAMES.trainImages; // 'train-images-idx3-ubyte'
 * ```
 */
export const MNIST_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * Finds one of the standard files in `dir`, gzipped (`name.gz`, preferred: that is how the
 * data sets ship) or plain (`name`). Returns its path, or `undefined` when neither exists.
 *
 * @example
 * ```ts
 * findMnistFile('/usr/share/datasets/fashion-mnist', MNIST_FILE_NAMES.trainImages);
 * // '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'
 * ```
 */
export function findMnistFile(dir: string, name: string): string | undefined {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Whether `dir` holds all four standard files (each gzipped or plain).
 *
 * @example
 * ```ts
 * if (hasMnistFiles(dir)) await loadMnist(dir);
 * ```
 */
export function hasMnistFiles(dir: string): boolean {
  return Object.values(MNIST_FILE_NAMES).every((name) => findMnistFile(dir, name) !== undefined);
}
