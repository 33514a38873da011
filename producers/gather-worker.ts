/**
 * The task function of a producer's gather workers (run by piscina in worker threads): copies
 * the requested rows out of the shared columns into the task's output buffers, runs the optional
 * per-example map over them, writing into shared buffers the main thread recycles.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Component, ComponentRecord } from '../src/element.js';
import { rebuild } from '../src/rebuild.js';
import { blockView, copyRows, storedView } from '../src/copy-rows.js';
import { Random, seedFor } from '../src/random.js';
import { workerData } from 'piscina';
import type { GatherSetup, GatherTask, SharedColumn, WorkerMapRef } from './gather-task.js';
import type { WorkerMapFn, WorkerMapInfo } from './worker-map.js';

type AnyMap = WorkerMapFn<unknown>;

const loadedMaps = new Map<string, Promise<AnyMap>>();

/** The pool's setup, given to every worker once. */
const setup = workerData as GatherSetup;

/**
 * Imports a map module. A TypeScript module under tsx (tests, `tsx` scripts) may only be
 * loadable through tsx's `require` hook in a worker thread, so that is the fallback.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  }
}

async function loadMap(ref: WorkerMapRef): Promise<AnyMap> {
  const key = `${ref.module}#${ref.exportName}`;
  let loading = loadedMaps.get(key);
  if (loading === undefined) {
    loading = importModule(ref.module).then((mod) => {
      const fn = mod[ref.exportName];
      if (typeof fn !== 'function') {
        throw new TypeError(
          `workerMap: module ${ref.module} has no function export '${ref.exportName}'`,
        );
      }
      return fn as AnyMap;
    });
    loadedMaps.set(key, loading);
  }
  return loading;
}

function gatherColumn(
  col: SharedColumn,
  indices: Int32Array,
  target: GatherTask['out'][number],
): Float32Array | Int32Array {
  const data = storedView(col.type, col.buffer, col.byteOffset, col.length);
  const size = col.rowSize;
  const n = indices.length;
  const out = blockView(col.dtype, target.buffer, target.byteOffset, n * size);
  copyRows(data, size, indices, 0, n, out);
  return out;
}

/** The element the map sees for example `j`: rows as views into the outputs, scalars as numbers. */
function exampleAt(outs: readonly (Float32Array | Int32Array)[], j: number): unknown {
  const parts: Component[] = outs.map((out, c) => {
    const size = setup.columns[c]!.rowSize;
    return setup.shapes[c]!.length === 0 ? out[j]! : out.subarray(j * size, (j + 1) * size);
  });
  return rebuild(setup.structure, parts);
}

/** Writes a returned example back into slot `j` of the outputs, checking its form and sizes. */
function writeBack(
  outs: readonly (Float32Array | Int32Array)[],
  j: number,
  result: unknown,
  position: number,
): void {
  const s = setup.structure;
  const parts: unknown[] =
    s.kind === 'bare'
      ? [result]
      : s.kind === 'tuple'
        ? Array.isArray(result)
          ? result
          : []
        : s.keys.map((k) => (result as ComponentRecord | null)?.[k]);
  outs.forEach((out, c) => {
    const size = setup.columns[c]!.rowSize;
    const v = parts[c];
    if (typeof v === 'number' && size === 1) {
      out[j] = v;
    } else if (ArrayBuffer.isView(v) && (v as Float32Array).length === size) {
      const row = v as Float32Array;
      const same = row.buffer === out.buffer && row.byteOffset === out.byteOffset + j * size * 4;
      if (!same) out.set(row, j * size);
    } else {
      throw new TypeError(
        `workerMap: the example at position ${position} came back with component ${c} ` +
          `not ${size === 1 ? 'a number' : `a typed array of ${size} values`}`,
      );
    }
  });
}

async function applyMap(
  ref: WorkerMapRef,
  task: GatherTask,
  outs: readonly (Float32Array | Int32Array)[],
): Promise<void> {
  const fn = await loadMap(ref);
  for (let j = 0; j < task.indices.length; j++) {
    const position = task.first + j;
    let random: Random | undefined;
    const info: WorkerMapInfo = {
      index: task.indices[j]!,
      position,
      random: () => (random ??= new Random(seedFor(ref.seed, position))).float(),
    };
    let result = fn(exampleAt(outs, j), info);
    if (result instanceof Promise) result = await result;
    if (result !== undefined) writeBack(outs, j, result, position);
  }
}

/**
 * Runs one {@link GatherTask}: the rows land in the task's shared output buffers, so nothing
 * is allocated or sent back but the completion.
 *
 * @example
 * ```ts
 * await gather(task);
 * ```
 */
export default async function gather(task: GatherTask): Promise<void> {
  const outs = setup.columns.map((c, k) => gatherColumn(c, task.indices, task.out[k]!));
  if (setup.map !== undefined) await applyMap(setup.map, task, outs);
}
