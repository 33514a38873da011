import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedPreconditionError } from '../src/errors.js';
import { findMnistFile, MNIST_FILE_NAMES } from './mnist-files.js';
import { loadMnistSplit, splitTrainHeldOut, type MnistData, type MnistOptions } from './mnist.js';

/** Where the embedded data lives, relative to the package root. */
const EMBEDDED_SUBDIR = join('data', 'fashion-mnist');

/**
 * Rows of the embedded 10 000-image split held out for evaluation; the other 8 000 train.
 *
 * @example
 * ```ts
 * EMBEDDED_HELD_OUT; // 2000
 * ```
 */
export const EMBEDDED_HELD_OUT = 2000;

/**
 * The directory of the Fashion-MNIST test split shipped inside the package
 * (`data/fashion-mnist`, with its licence), so that training works on a machine with no
 * download. Found by walking up from this module, which sits at `producers/` in the source
 * tree and at `dist/producers/` once compiled.
 *
 * @throws FailedPreconditionError when no ancestor directory holds `data/fashion-mnist`
 * (a broken installation).
 *
 * @example
 * ```ts
 * embeddedDataDir(); // '/.../node_modules/queuefeed/data/fashion-mnist'
 * ```
 */
export function embeddedDataDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, EMBEDDED_SUBDIR);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break; // reached the file-system root
  }
  throw new FailedPreconditionError(
    `Embedded Fashion-MNIST data not found: no \`${EMBEDDED_SUBDIR}\` directory above \`${start}\``,
  );
}

/**
 * Loads the embedded Fashion-MNIST test split (10 000 images) and splits it into 8 000
 * training rows and the last 2 000 as held-out test rows (views, no copies).
 *
 * @example
 * ```ts
 * const { train, test } = await loadEmbeddedFashionMnist({ oneHot: true });
 * train.images.shape; // [8000, 784]
 * test.labels.shape; // [2000, 10]
 * ```
 */
export async function loadEmbeddedFashionMnist(options: MnistOptions = {}): Promise<MnistData> {
  const dir = embeddedDataDir();
  const missing = (name: string): string => join(dir, `${name}.gz`); // readIdxFile reports it
  const split = await loadMnistSplit(
    findMnistFile(dir, MNIST_FILE_NAMES.testImages) ?? missing(MNIST_FILE_NAMES.testImages),
    findMnistFile(dir, MNIST_FILE_NAMES.testLabels) ?? missing(MNIST_FILE_NAMES.testLabels),
    options,
  );
  return { ...splitTrainHeldOut(split, EMBEDDED_HELD_OUT), dir };
}
