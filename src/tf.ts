/**
 * The one tfjs namespace the pipeline uses. `@tensorflow/tfjs-node` when it is installed and
 * loads; otherwise `@tensorflow/tfjs` on the fastest backend that installs from npm (wasm,
 * whose `.wasm` files are found in the installed package), falling back to cpu.
 *
 * Users import `tf` from queuefeed instead of from tfjs, so they never mix two tfjs instances
 * (a tensor from one instance is not a tensor to the other).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { FailedPreconditionError } from './errors.js';
import { invalidArgument } from './validate.js';

/** The tfjs namespace type (tfjs-node has the same shape). */
export type Tf = typeof tfjs;

/** Which tfjs package backs {@link tf}. */
export type TfImpl = 'tfjs-node' | 'tfjs';

/** A backend `useBackend` accepts: `auto` picks tfjs-node's `tensorflow`, else `wasm`, else `cpu`. */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

async function loadTf(): Promise<{ tf: Tf; impl: TfImpl }> {
  // A variable specifier so that the compiler does not require the optional package.
  const nodeSpecifier: string = '@tensorflow/tfjs-node';
  if (process.env.QUEUEFEED_NO_TFJS_NODE !== '1') {
    try {
      return { tf: (await import(nodeSpecifier)) as Tf, impl: 'tfjs-node' };
    } catch {
      // Not installed (its install downloads a native library) or broken: use tfjs.
    }
  }
  return { tf: tfjs, impl: 'tfjs' };
}

const loaded = await loadTf();

/**
 * The tfjs namespace of the pipeline.
 *
 * @example
 * ```ts
 * import { tf } from 'queuefeed';
 * const x = tf.tensor2d([[1, 2]]);
 * ```
 */
export const tf: Tf = loaded.tf;

/** Which package {@link tf} comes from. */
export const tfImpl: TfImpl = loaded.impl;

tf.enableProdMode();

let wasmRegistered = false;

async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  wasmRegistered = true;
}

/**
 * Selects the backend and waits until it is ready; returns the name in use. `auto` (the
 * default) picks `tensorflow` when tfjs-node loaded, else `wasm` (about 5x faster than `cpu`
 * for training here), else `cpu`. Throws `InvalidArgumentError` for another name, and
 * `FailedPreconditionError` for `tensorflow` where tfjs-node is not installed.
 *
 * @example
 * ```ts
 * const name = await useBackend('auto'); // 'wasm' where tfjs-node is not installed
 * ```
 */
export async function useBackend(name: BackendName = 'auto'): Promise<string> {
  if (!BACKEND_NAMES.includes(name)) {
    throw invalidArgument('name', `one of ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}`, name);
  }
  const want = name === 'auto' ? (tfImpl === 'tfjs-node' ? 'tensorflow' : 'wasm') : name;
  if (want === 'tensorflow' && tfImpl !== 'tfjs-node') {
    throw new FailedPreconditionError(
      'Backend `tensorflow` needs @tensorflow/tfjs-node, which is not installed here; use `wasm` or `cpu`',
    );
  }
  if (want === 'wasm') await registerWasm();
  const ok = await tf.setBackend(want);
  if (!ok) {
    if (name !== 'auto') throw new Error(`Backend \`${want}\` failed to initialise`);
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}
