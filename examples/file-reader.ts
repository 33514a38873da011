// A bounded, concurrent producer/consumer pipeline with clean shutdown, no ML needed: file
// names go through a producer, four runner tasks read them concurrently (an async map), and
// the consumer takes them in batches of strings with output: 'arrays' (no tfjs tensors).
//
//   npx tsx examples/file-reader.ts
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { batch, stringInputProducer, trainLoop } from '../index.js';

const dir = path.dirname(new URL(import.meta.url).pathname);
const files = (await readdir(dir)).map((f) => path.join(dir, f));
const contents = stringInputProducer(files, { numEpochs: 1, shuffle: false }).map(async (file) => {
  const text = await readFile(file, 'utf8');
  return [path.basename(file), text.length] as [string, number];
});
const batches = batch(contents, {
  batchSize: 2,
  numThreads: 4,
  allowSmallerFinalBatch: true,
  output: 'arrays',
});

const steps = await trainLoop(batches, ([names, sizes]) => {
  console.log(names.data, Array.from(sizes.data as Float32Array));
});
console.log(`${steps} batches`);
