import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvalidArgumentError } from '../src/errors.js';
import { parseIdx, readIdxFile } from '../producers/idx.js';
import {
  encodeIdx,
  makeTempDir,
  writeBytes,
  writeIdx,
  type IdxDtype,
} from './helpers/idx-files.js';

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Expects `fn` to throw InvalidArgumentError naming `file` and matching `pattern`. */
function expectInvalid(fn: () => unknown, file: string, pattern: RegExp): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect((e as Error).message).toContain(`\`${file}\``);
  expect((e as Error).message).toMatch(pattern);
}

describe('parseIdx', () => {
  const cases: [IdxDtype, new (n: number) => ArrayLike<number>, number[]][] = [
    ['uint8', Uint8Array, [0, 1, 127, 128, 254, 255]],
    ['int8', Int8Array, [-128, -1, 0, 1, 100, 127]],
    ['int16', Int16Array, [-32768, -2, 0, 1, 258, 32767]],
    ['int32', Int32Array, [-2147483648, -70000, 0, 1, 16909060, 2147483647]],
    ['float32', Float32Array, [-1.5, 0, 0.25, 3.5, 1e10, -Infinity]],
    ['float64', Float64Array, [-1.5, 0, 0.1, Math.PI, 1e300, Number.MIN_VALUE]],
  ];

  it.each(cases)('decodes %s big-endian data with its shape', (dtype, ctor, values) => {
    const { data, shape } = parseIdx(encodeIdx(dtype, [2, 3], values), 'x.idx');
    expect(data).toBeInstanceOf(ctor);
    expect(shape).toEqual([2, 3]);
    expect(Array.from(data)).toEqual(values);
  });

  it('returns uint8 data as a view on the input, without a copy', () => {
    const bytes = encodeIdx('uint8', [4], [9, 8, 7, 6]);
    const { data } = parseIdx(bytes, 'x.idx');
    expect(data.buffer).toBe(bytes.buffer);
    expect(data.byteOffset).toBe(8);
    expect(data.constructor).toBe(Uint8Array);
  });

  it('honours the byte offset of a subarray input', () => {
    const inner = encodeIdx('int16', [2], [-3, 513]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    const { data } = parseIdx(outer.subarray(5), 'x.idx');
    expect(Array.from(data)).toEqual([-3, 513]);
  });

  it('decodes rank 1 and rank 4 shapes', () => {
    expect(parseIdx(encodeIdx('uint8', [1], [5]), 'a').shape).toEqual([1]);
    const r4 = parseIdx(encodeIdx('uint8', [1, 2, 1, 2], [1, 2, 3, 4]), 'a');
    expect(r4.shape).toEqual([1, 2, 1, 2]);
    expect(Array.from(r4.data)).toEqual([1, 2, 3, 4]);
  });

  it('rejects non-zero first magic bytes, showing them in hex', () => {
    const bytes = encodeIdx('uint8', [1], [1]);
    bytes[1] = 0x0a;
    expectInvalid(
      () => parseIdx(bytes, 'd/bad.idx'),
      'd/bad.idx',
      /expected first bytes 0x00 0x00, found 0x00 0x0a/,
    );
  });

  it('hints at gzip when handed gzipped bytes', () => {
    const gz = gzipSync(encodeIdx('uint8', [1], [1]));
    expectInvalid(() => parseIdx(gz, 'a.gz'), 'a.gz', /found 0x1f 0x8b \(gzip data/);
  });

  it('rejects an unknown type byte, in hex', () => {
    const bytes = encodeIdx('uint8', [1], [1]);
    bytes[2] = 0x0a;
    expectInvalid(
      () => parseIdx(bytes, 'x.idx'),
      'x.idx',
      /unknown data type byte 0x0a, expected one of 0x08 \(uint8\)/,
    );
  });

  it('rejects zero dimensions', () => {
    expectInvalid(
      () => parseIdx(new Uint8Array([0, 0, 8, 0]), 'x.idx'),
      'x.idx',
      /expected at least 1 dimension, found 0/,
    );
  });

  it('rejects a header shorter than the magic number', () => {
    expectInvalid(
      () => parseIdx(new Uint8Array([0, 0, 8]), 'x.idx'),
      'x.idx',
      /header truncated: expected at least 4 bytes .*found 3/,
    );
    expectInvalid(() => parseIdx(new Uint8Array(0), 'x.idx'), 'x.idx', /found 0$/);
  });

  it('rejects a header cut inside the dimensions', () => {
    const bytes = encodeIdx('uint8', [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 10);
    expectInvalid(
      () => parseIdx(bytes, 'x.idx'),
      'x.idx',
      /header truncated: expected 12 bytes of header for 2 dimensions, found 10/,
    );
  });

  it('rejects a dimension of 0', () => {
    expectInvalid(
      () => parseIdx(encodeIdx('uint8', [3, 0], []), 'x.idx'),
      'x.idx',
      /dimension 1 is 0/,
    );
  });

  it('rejects truncated data with expected and found byte counts', () => {
    const bytes = encodeIdx('int32', [2, 2], [1, 2, 3, 4]).subarray(0, 12 + 10);
    expectInvalid(
      () => parseIdx(bytes, 'x.idx'),
      'x.idx',
      /data truncated: expected 16 bytes of int32 data for shape \[2, 2\], found 10$/,
    );
  });

  it('rejects a size no file can hold as truncated', () => {
    const bytes = encodeIdx('float64', [0xffffffff, 0xffffffff], []);
    expectInvalid(() => parseIdx(bytes, 'x.idx'), 'x.idx', /data truncated: .* found 0$/);
  });

  it('rejects trailing bytes', () => {
    const inner = encodeIdx('uint8', [3], [1, 2, 3]);
    const bytes = new Uint8Array(inner.length + 2);
    bytes.set(inner);
    expectInvalid(
      () => parseIdx(bytes, 'x.idx'),
      'x.idx',
      /expected 3 bytes of uint8 data for shape \[3\], found 5 \(2 trailing bytes\)/,
    );
  });
});

describe('readIdxFile', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir());
  });
  afterAll(() => cleanup());

  it.each([false, true])('reads a file (gzip: %s)', async (gzip) => {
    const path = writeIdx(dir, `f-${gzip}.idx`, 'int16', [3], [-1, 0, 300], gzip);
    const { data, shape } = await readIdxFile(path);
    expect(data).toBeInstanceOf(Int16Array);
    expect(Array.from(data)).toEqual([-1, 0, 300]);
    expect(shape).toEqual([3]);
  });

  it('detects gzip by content, not by name', async () => {
    const path = writeIdx(dir, 'plain-name.idx', 'uint8', [2], [4, 5], true);
    expect(Array.from((await readIdxFile(path)).data)).toEqual([4, 5]);
  });

  it('reports a missing file by path', async () => {
    const path = join(dir, 'nope-idx3-ubyte.gz');
    const e = await readIdxFile(path).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(`IDX file \`${path}\` not found`);
  });

  it('reports a directory', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    await expect(readIdxFile(sub)).rejects.toThrow(/is a directory/);
  });

  it('reports corrupt gzip by file name', async () => {
    const gz = gzipSync(encodeIdx('uint8', [100], new Array<number>(100).fill(3)));
    const path = writeBytes(dir, 'corrupt.gz', gz.subarray(0, gz.length - 12));
    const e = await readIdxFile(path).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(new RegExp(`^Invalid gzip file \`${path}\`: `));
  });

  it('reports gzip with garbage inside by file name', async () => {
    const path = join(dir, 'garbage.gz');
    writeFileSync(path, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await expect(readIdxFile(path)).rejects.toThrow(`Invalid gzip file \`${path}\``);
  });

  it('reports an invalid IDX payload inside valid gzip by file name', async () => {
    const bytes = encodeIdx('uint8', [4], [1, 2, 3, 4]).subarray(0, 9);
    const path = writeBytes(dir, 'short.gz', bytes, true);
    await expect(readIdxFile(path)).rejects.toThrow(
      `Invalid IDX file \`${path}\`: data truncated: expected 4 bytes of uint8 data for shape [4], found 1`,
    );
  });
});
