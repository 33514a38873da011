import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../src/errors.js';
import { embeddedDataDir } from '../producers/embedded-data.js';
import { loadDataSource, resolveDataSource } from '../cli/data-location.js';
import { makeTempDir, writeMnistSplit } from './helpers/idx-files.js';

let root: string;
let cleanup: () => void;
let flagDir: string;
let envDir: string;
let debianDir: string;

beforeEach(() => {
  ({ dir: root, cleanup } = makeTempDir('queuefeed-data-'));
  [flagDir, envDir, debianDir] = ['flag', 'env', 'debian'].map((name) => {
    const d = join(root, name);
    mkdirSync(d);
    writeMnistSplit(d, 'train', { labels: [1, 2, 3] });
    writeMnistSplit(d, 't10k', { labels: [4], gzip: true });
    return d;
  }) as [string, string, string];
});
afterEach(() => cleanup());

describe('resolveDataSource', () => {
  it('prefers the --data flag over everything', () => {
    const source = resolveDataSource({ flag: flagDir, env: { QUEUEFEED_DATA: envDir }, debianDir });
    expect(source.kind).toBe('flag');
    expect(source.dir).toBe(flagDir);
    expect(source.description).toContain(flagDir);
    expect(source.description).toContain('--data');
  });

  it('uses QUEUEFEED_DATA without a flag', () => {
    const source = resolveDataSource({ env: { QUEUEFEED_DATA: envDir }, debianDir });
    expect(source).toMatchObject({ kind: 'env', dir: envDir });
    expect(source.description).toContain('QUEUEFEED_DATA');
  });

  it('treats an empty QUEUEFEED_DATA as unset', () => {
    expect(resolveDataSource({ env: { QUEUEFEED_DATA: '' }, debianDir }).kind).toBe('debian');
  });

  it('uses the Debian directory without flag or variable', () => {
    const source = resolveDataSource({ flag: undefined, env: {}, debianDir });
    expect(source).toMatchObject({ kind: 'debian', dir: debianDir });
    expect(source.description).toContain('dataset-fashion-mnist');
  });

  it('falls back to the embedded data when the Debian directory is missing', () => {
    const source = resolveDataSource({ env: {}, debianDir: join(root, 'absent') });
    expect(source.kind).toBe('embedded');
    expect(source.dir).toBe(embeddedDataDir());
    expect(source.description).toBe(
      "embedded Fashion-MNIST test split (8 000 train / 2 000 held-out); for the full 60 000-image set install Debian's dataset-fashion-mnist package or pass --data DIR",
    );
  });

  it('falls back to the embedded data when the Debian directory lacks the files', () => {
    const partial = join(root, 'partial');
    mkdirSync(partial);
    writeMnistSplit(partial, 't10k', { labels: [1] });
    expect(resolveDataSource({ env: {}, debianDir: partial }).kind).toBe('embedded');
  });

  it('resolves a relative flag to an absolute directory', () => {
    const relative = join(root, 'flag', '..', 'flag');
    expect(resolveDataSource({ flag: relative, env: {}, debianDir }).dir).toBe(resolve(flagDir));
  });

  it('rejects a missing --data directory, naming the flag and the path', () => {
    const missing = join(root, 'no-such-dir');
    const run = (): unknown =>
      resolveDataSource({ flag: missing, env: { QUEUEFEED_DATA: envDir }, debianDir });
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(`\`--data\` directory \`${missing}\` not found`);
  });

  it('rejects an empty --data', () => {
    expect(() => resolveDataSource({ flag: '', env: {}, debianDir })).toThrow(InvalidArgumentError);
  });

  it('rejects a --data path that is a file', () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(() => resolveDataSource({ flag: file, env: {}, debianDir })).toThrow(
      `\`--data\` path \`${file}\` is not a directory`,
    );
  });

  it('rejects a missing QUEUEFEED_DATA directory, naming the variable and the path', () => {
    const missing = join(root, 'gone');
    const run = (): unknown => resolveDataSource({ env: { QUEUEFEED_DATA: missing }, debianDir });
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(`\`QUEUEFEED_DATA\` directory \`${missing}\` not found`);
  });
});

describe('loadDataSource', () => {
  it('loads train and test from a directory source', async () => {
    const data = await loadDataSource(resolveDataSource({ flag: flagDir }), { oneHot: true });
    expect(data.train.images.shape).toEqual([3, 6]);
    expect(data.train.labels.shape).toEqual([3, 10]);
    expect(data.test.images.shape).toEqual([1, 6]);
  });

  it('loads the embedded split for the embedded source', async () => {
    const source = resolveDataSource({ env: {}, debianDir: join(root, 'absent') });
    const data = await loadDataSource(source, { scale: false });
    expect(data.train.images.shape).toEqual([8000, 784]);
    expect(data.test.images.shape).toEqual([2000, 784]);
    expect(data.train.images.data).toBeInstanceOf(Uint8Array);
  });
});
