#!/usr/bin/env bash
# Proves the published package works on its own: packs it, installs the tarball into an empty
# folder next to only @tensorflow/tfjs, imports it by name and runs a tiny pipeline.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "./$tarball" "@tensorflow/tfjs@4.22.0" >/dev/null
cat > smoke.mjs <<'JS'
import { sliceInputProducer, batch, Coordinator, startQueueRunners, OutOfRangeError, tf } from 'queuefeed';
const x = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [10, 2] };
const y = Int32Array.from({ length: 10 }, (_, i) => i);
const batches = batch(sliceInputProducer([x, y], { numEpochs: 1, shuffle: false }), { batchSize: 4, allowSmallerFinalBatch: true });
const coord = new Coordinator();
const threads = startQueueRunners({ coord });
const sizes = [];
try {
  for (;;) { const [xb, yb] = await batches.dequeue(); sizes.push(xb.shape[0]); tf.dispose([xb, yb]); }
} catch (e) { if (!(e instanceof OutOfRangeError)) throw e; } finally { coord.requestStop(); }
await coord.join(threads);
if (sizes.join(',') !== '4,4,2' || tf.memory().numTensors !== 0) throw new Error(`unexpected ${sizes} ${tf.memory().numTensors}`);
console.log(`packed queuefeed works: batches ${sizes.join(',')}, tensors left ${tf.memory().numTensors}`);
JS
node smoke.mjs
