import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The IDX data types, by name, with their type byte and size. */
export const IDX_DTYPES = {
  uint8: { byte: 0x08, bytes: 1 },
  int8: { byte: 0x09, bytes: 1 },
  int16: { byte: 0x0b, bytes: 2 },
  int32: { byte: 0x0c, bytes: 4 },
  float32: { byte: 0x0d, bytes: 4 },
  float64: { byte: 0x0e, bytes: 8 },
} as const;

export type IdxDtype = keyof typeof IDX_DTYPES;

/**
 * Encodes values as an IDX file: `0x00 0x00 <type> <ndims>`, big-endian uint32 dims, then
 * big-endian values.
 *
 * @example
 * ```ts
 * encodeIdx('uint8', [3], [7, 8, 9]); // Uint8Array(11)
 * ```
 */
export function encodeIdx(
  dtype: IdxDtype,
  shape: readonly number[],
  values: readonly number[],
): Uint8Array {
  const { byte, bytes } = IDX_DTYPES[dtype];
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + values.length * bytes);
  const view = new DataView(out.buffer);
  out.set([0, 0, byte, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  values.forEach((v, i) => {
    const o = header + i * bytes;
    if (dtype === 'uint8') view.setUint8(o, v);
    else if (dtype === 'int8') view.setInt8(o, v);
    else if (dtype === 'int16') view.setInt16(o, v);
    else if (dtype === 'int32') view.setInt32(o, v);
    else if (dtype === 'float32') view.setFloat32(o, v);
    else view.setFloat64(o, v);
  });
  return out;
}

/** A fresh temporary directory and a function removing it. */
export function makeTempDir(prefix = 'queuefeed-idx-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes raw bytes to `dir/name`, gzipped when `gzip` is true, and returns the path. */
export function writeBytes(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** Writes an IDX file to `dir/name` (gzipped when `gzip`), and returns the path. */
export function writeIdx(
  dir: string,
  name: string,
  dtype: IdxDtype,
  shape: readonly number[],
  values: readonly number[],
  gzip = false,
): string {
  return writeBytes(dir, name, encodeIdx(dtype, shape, values), gzip);
}

/**
 * Writes a tiny MNIST-format split (`n` images of `rows x cols`, pixel `k` of the file equal
 * to `k % 256`, label `i` equal to `labels[i]`) under the standard names with `prefix`
 * (`train` or `t10k`).
 */
export function writeMnistSplit(
  dir: string,
  prefix: 'train' | 't10k',
  options: { rows?: number; cols?: number; labels: readonly number[]; gzip?: boolean },
): { images: string; labels: string } {
  const { rows = 2, cols = 3, labels, gzip = false } = options;
  const n = labels.length;
  const pixels = Array.from({ length: n * rows * cols }, (_, k) => k % 256);
  const ext = gzip ? '.gz' : '';
  return {
    images: writeIdx(
      dir,
      `${prefix}-images-idx3-ubyte${ext}`,
      'uint8',
      [n, rows, cols],
      pixels,
      gzip,
    ),
    labels: writeIdx(dir, `${prefix}-labels-idx1-ubyte${ext}`, 'uint8', [n], labels, gzip),
  };
}
