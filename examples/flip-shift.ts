// The per-example augmentation examples/augment-on-workers.ts runs on worker threads: a random
// horizontal flip and a random shift of up to 2 pixels of a 28x28 image, edited in place.
// It runs inside the workers, so it must be a module of its own; randomness comes only from
// `info.random()`, which makes the result the same for a seed whatever the number of workers.
import type { WorkerMapFn } from '../index.js';

const SIDE = 28;

const flipShift: WorkerMapFn<[Float32Array, number]> = ([image], info) => {
  const flip = info.random() < 0.5;
  const dx = Math.floor(info.random() * 5) - 2;
  const dy = Math.floor(info.random() * 5) - 2;
  const source = image.slice();
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = (flip ? SIDE - 1 - x : x) - dx;
      const sy = y - dy;
      const inside = sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE;
      image[y * SIDE + x] = inside ? source[sy * SIDE + sx]! : 0;
    }
  }
};
export default flipShift;
