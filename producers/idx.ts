import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '../src/errors.js';
import { invalidArgument, isAbortSignal } from '../src/validate.js';

/** The typed arrays an IDX file can decode to, one per IDX data type. */
export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * A decoded IDX file: its values in row-major order and its shape.
 *
 * @example
 * ```ts
 * const { data, shape } = await readIdxFile('t10k-labels-idx1-ubyte.gz');
 * // data: Uint8Array(10000), shape: [10000]
 * ```
 */
export interface IdxArray {
  data: IdxData;
  shape: number[];
}

/** Options of {@link readIdxFile}. */
export interface ReadIdxOptions {
  /** Aborts the file read. */
  signal?: AbortSignal;
}

/** One IDX data type: its name, size in bytes and how to decode a big-endian array of it. */
interface IdxType {
  readonly name: string;
  readonly bytes: number;
  readonly decode: (view: DataView, count: number) => IdxData;
}

/** Decodes `count` big-endian values; `read` is the matching `DataView` getter. */
function decodeBigEndian<T extends Exclude<IdxData, Uint8Array | Int8Array>>(
  out: T,
  bytes: number,
  view: DataView,
  read: (view: DataView, offset: number) => number,
): T {
  for (let i = 0; i < out.length; i++) out[i] = read(view, i * bytes);
  return out;
}

/** The IDX data types by type byte (third byte of the magic number). */
const IDX_TYPES: ReadonlyMap<number, IdxType> = new Map<number, IdxType>([
  [
    0x08,
    {
      name: 'uint8',
      bytes: 1,
      // A view, not a copy: MNIST images are uint8 and can be tens of megabytes.
      decode: (v, n) => new Uint8Array(v.buffer, v.byteOffset, n),
    },
  ],
  [0x09, { name: 'int8', bytes: 1, decode: (v, n) => new Int8Array(v.buffer, v.byteOffset, n) }],
  [
    0x0b,
    {
      name: 'int16',
      bytes: 2,
      decode: (v, n) => decodeBigEndian(new Int16Array(n), 2, v, (d, o) => d.getInt16(o)),
    },
  ],
  [
    0x0c,
    {
      name: 'int32',
      bytes: 4,
      decode: (v, n) => decodeBigEndian(new Int32Array(n), 4, v, (d, o) => d.getInt32(o)),
    },
  ],
  [
    0x0d,
    {
      name: 'float32',
      bytes: 4,
      decode: (v, n) => decodeBigEndian(new Float32Array(n), 4, v, (d, o) => d.getFloat32(o)),
    },
  ],
  [
    0x0e,
    {
      name: 'float64',
      bytes: 8,
      decode: (v, n) => decodeBigEndian(new Float64Array(n), 8, v, (d, o) => d.getFloat64(o)),
    },
  ],
]);

/** Formats a byte as `0x0a`. */
function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

const KNOWN_TYPES = [...IDX_TYPES].map(([byte, t]) => `${hex(byte)} (${t.name})`).join(', ');

/** The error for a malformed IDX file: names the file, then what is wrong. */
function invalidIdx(file: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`Invalid IDX file \`${file}\`: ${problem}`);
}

/**
 * Decodes an IDX file (the format of MNIST and Fashion-MNIST): a magic number
 * `0x00 0x00 <type> <ndims>`, `ndims` big-endian uint32 dimensions, then the values,
 * big-endian, row-major. uint8 and int8 data are returned as views on `bytes`, without a
 * copy; wider types are decoded into a new array.
 *
 * @param bytes the whole file, already gunzipped.
 * @param file the file's name, used in error messages.
 * @throws InvalidArgumentError when the magic number, a dimension or the data length is wrong.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]);
 * parseIdx(bytes, 'labels.idx'); // { data: Uint8Array [7, 8, 9], shape: [3] }
 * ```
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument('bytes', 'a Uint8Array (the whole file, gunzipped)', bytes);
  }
  if (typeof file !== 'string') throw invalidArgument('file', 'a string (the file name)', file);
  if (bytes.length < 4) {
    throw invalidIdx(
      file,
      `header truncated: expected at least 4 bytes of magic number, found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [b0, b1, typeByte, ndims] = [0, 1, 2, 3].map((i) => view.getUint8(i)) as [
    number,
    number,
    number,
    number,
  ];
  if (b0 !== 0 || b1 !== 0) {
    // 0x1f 0x8b here means a gzipped file that was handed over without gunzipping.
    const gz = b0 === 0x1f && b1 === 0x8b ? ' (gzip data: gunzip it first)' : '';
    throw invalidIdx(
      file,
      `bad magic number: expected first bytes 0x00 0x00, found ${hex(b0)} ${hex(b1)}${gz}`,
    );
  }
  const type = IDX_TYPES.get(typeByte);
  if (type === undefined) {
    throw invalidIdx(
      file,
      `bad magic number: unknown data type byte ${hex(typeByte)}, expected one of ${KNOWN_TYPES}`,
    );
  }
  if (ndims === 0) {
    throw invalidIdx(file, 'bad magic number: expected at least 1 dimension, found 0');
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw invalidIdx(
      file,
      `header truncated: expected ${headerBytes} bytes of header for ${ndims} dimensions, found ${bytes.length}`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) {
    const dim = view.getUint32(4 + 4 * i);
    if (dim === 0) {
      throw invalidIdx(file, `dimension ${i} is 0, expected every dimension to be at least 1`);
    }
    shape.push(dim);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * type.bytes;
  const found = bytes.length - headerBytes;
  const what = `${type.name} data for shape [${shape.join(', ')}]`;
  // An unsafe (> 2^53) expected size can never be met: the file is truncated.
  if (!Number.isSafeInteger(dataBytes) || found < dataBytes) {
    throw invalidIdx(
      file,
      `data truncated: expected ${dataBytes} bytes of ${what}, found ${found}`,
    );
  }
  if (found > dataBytes) {
    throw invalidIdx(
      file,
      `expected ${dataBytes} bytes of ${what}, found ${found} (${found - dataBytes} trailing bytes)`,
    );
  }
  const dataView = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, dataBytes);
  return { data: type.decode(dataView, count), shape };
}

const gunzipAsync = promisify(gunzip);

/** Whether `bytes` starts with the gzip magic number 0x1f 0x8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Whether `e` is a Node.js system error with the given `code`. Duck-typed, not
 * `instanceof Error`: errors from another realm (a `vm` context) fail that check.
 */
function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

/**
 * Reads and decodes an IDX file, gunzipping it first when it starts with the gzip magic
 * number (whatever its name).
 *
 * @param path the file to read.
 * @throws InvalidArgumentError when the file does not exist, is not valid gzip or not valid
 * IDX (see {@link parseIdx}).
 *
 * @example
 * ```ts
 * const images = await readIdxFile('data/fashion-mnist/t10k-images-idx3-ubyte.gz');
 * images.shape; // [10000, 28, 28]
 * ```
 */
export async function readIdxFile(path: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  // A number would be read as a file descriptor: only a path is accepted.
  if (typeof path !== 'string' || path === '') {
    throw invalidArgument('path', 'a file path (a non-empty string)', path);
  }
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options', 'an object', options);
  }
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    throw invalidArgument('signal', 'an AbortSignal', options.signal);
  }
  let raw: Uint8Array;
  try {
    raw = await readFile(path, options.signal ? { signal: options.signal } : {});
  } catch (e) {
    if (hasCode(e, 'ENOENT')) {
      throw new InvalidArgumentError(`IDX file \`${path}\` not found`, { cause: e });
    }
    if (hasCode(e, 'EISDIR')) {
      throw new InvalidArgumentError(`IDX file \`${path}\` is a directory`, { cause: e });
    }
    throw e;
  }
  if (isGzip(raw)) {
    try {
      raw = await gunzipAsync(raw);
    } catch (e) {
      const reason =
        typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
      throw new InvalidArgumentError(`Invalid gzip file \`${path}\`: ${reason}`, { cause: e });
    }
  }
  return parseIdx(raw, path);
}
