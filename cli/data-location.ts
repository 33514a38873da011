import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../src/errors.js';
import { embeddedDataDir, loadEmbeddedFashionMnist } from '../producers/embedded-data.js';
import { hasMnistFiles } from '../producers/mnist-files.js';
import { loadMnist, type MnistData, type MnistOptions } from '../producers/mnist.js';

/** The environment variable naming a data directory when `--data` is not given. */
export const DATA_ENV_VAR = 'QUEUEFEED_DATA';

/** Where Debian's `dataset-fashion-mnist` package installs the full data set. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Which rule chose the data: `--data`, `QUEUEFEED_DATA`, the Debian package or the embedded default. */
export type DataSourceKind = 'flag' | 'env' | 'debian' | 'embedded';

/**
 * Where the CLI reads its MNIST-format data from, and a sentence saying so for the user.
 *
 * @example
 * ```ts
 * const source: DataSource = resolveDataSource({ flag: opts.data });
 * console.log(`Data: ${source.description}`);
 * ```
 */
export interface DataSource {
  kind: DataSourceKind;
  /** Absolute directory of the data. */
  dir: string;
  /** A human sentence describing the data, for the CLI's output. */
  description: string;
}

/** Inputs of {@link resolveDataSource}; the defaults are the real environment. */
export interface ResolveDataSourceOptions {
  /** The `--data DIR` flag, when given. */
  flag?: string | undefined;
  /** Environment to read `QUEUEFEED_DATA` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Directory of the Debian package's files. Default `/usr/share/datasets/fashion-mnist`. */
  debianDir?: string;
}

/** Resolves an explicitly requested directory, or throws naming where it came from. */
function explicitDir(origin: string, dir: string): string {
  if (!existsSync(dir)) {
    throw new InvalidArgumentError(`${origin} directory \`${dir}\` not found`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new InvalidArgumentError(`${origin} path \`${dir}\` is not a directory`);
  }
  return resolve(dir);
}

/**
 * Chooses the data directory, first match wins: the `--data DIR` flag, the `QUEUEFEED_DATA`
 * environment variable, the Debian package's directory when it holds the four standard
 * files, and otherwise the Fashion-MNIST test split embedded in the package. An empty
 * `QUEUEFEED_DATA` counts as unset.
 *
 * @throws InvalidArgumentError when the flag or the variable names a missing directory.
 *
 * @example
 * ```ts
 * resolveDataSource({ env: {} }).kind; // 'debian' if the package is installed, else 'embedded'
 * resolveDataSource({ flag: './mnist' }).dir; // '/home/me/mnist'
 * ```
 */
export function resolveDataSource(options: ResolveDataSourceOptions = {}): DataSource {
  const { flag, env = process.env, debianDir = DEBIAN_FASHION_MNIST_DIR } = options;
  if (flag !== undefined) {
    if (flag === '') throw new InvalidArgumentError('`--data` needs a directory, got ``');
    const dir = explicitDir('`--data`', flag);
    return { kind: 'flag', dir, description: `MNIST-format data in \`${dir}\` (from --data)` };
  }
  const fromEnv = env[DATA_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') {
    const dir = explicitDir(`\`${DATA_ENV_VAR}\``, fromEnv);
    return {
      kind: 'env',
      dir,
      description: `MNIST-format data in \`${dir}\` (from ${DATA_ENV_VAR})`,
    };
  }
  // Checking all four files, not only the directory: a partial install falls back to the
  // embedded data instead of failing later in loadMnist.
  if (existsSync(debianDir) && hasMnistFiles(debianDir)) {
    return {
      kind: 'debian',
      dir: resolve(debianDir),
      description: `full Fashion-MNIST (60 000 train / 10 000 test) from Debian's dataset-fashion-mnist package in \`${debianDir}\``,
    };
  }
  return {
    kind: 'embedded',
    dir: embeddedDataDir(),
    description:
      "embedded Fashion-MNIST test split (8 000 train / 2 000 held-out); for the full 60 000-image set install Debian's dataset-fashion-mnist package or pass --data DIR",
  };
}

/**
 * Loads the data a {@link DataSource} points to: the embedded split divided into 8 000
 * train and 2 000 held-out rows, or the train and test splits of the directory.
 *
 * @example
 * ```ts
 * const { train, test } = await loadDataSource(resolveDataSource({ flag }), { oneHot: true });
 * ```
 */
export async function loadDataSource(
  source: DataSource,
  options: MnistOptions = {},
): Promise<MnistData> {
  return source.kind === 'embedded'
    ? loadEmbeddedFashionMnist(options)
    : loadMnist(source.dir, options);
}
