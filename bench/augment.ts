/**
 * A CPU-bound per-example augmentation of a 28x28 image, for the worker-thread benchmark
 * (`bench/workers.ts`, issue 4): random crop (zero padding 2, shift ±2 pixels each way),
 * horizontal flip with p = 0.5, a light 5x5 Gaussian smoothing, brightness and contrast jitter,
 * and normalisation with the Fashion-MNIST pixel mean and standard deviation.
 *
 * Its only randomness is `info.random()` (five draws per example, always in the same order), so
 * the result depends only on the producer's seed and the example's position: the same on the
 * main thread, on one worker or on two. The module keeps two scratch buffers, one set per
 * thread that loads it, and allocates nothing per example.
 *
 * The smoothing is repeated {@link AUGMENT_BLUR_PASSES} times: a fixed amount of pure
 * computation that brings the cost to about 50 µs of CPU per example on the 2-core machine of
 * issue 4 (`bench/workers.ts` measures and prints the figure on the machine it runs on).
 *
 * Loaded in worker threads by `sliceInputProducer(..., { workerMap: new
 * URL('./augment.ts', import.meta.url) })`; imports nothing at run time.
 */
import type { WorkerMapFn, WorkerMapInfo } from './lib.js';

/** Image side in pixels. */
const SIDE = 28;
/** Zero padding around the image for the crop and the blur. */
const PAD = 2;
/** Side of the padded image. */
const P = SIDE + 2 * PAD;

/**
 * Passes of the 5x5 Gaussian smoothing: the knob that sets the per-example cost (each pass
 * is a separable 5-tap pass across and down, ~8k multiply-adds per image, ~12 µs here; the
 * rest of the augmentation costs ~18 µs).
 *
 * @example
 * ```ts
 * AUGMENT_BLUR_PASSES; // 3
 * ```
 */
export const AUGMENT_BLUR_PASSES = 3;

/** Weight of the smoothed image in the output (a light blur, not a smear). */
const BLUR_MIX = 0.15;
/** Brightness shift drawn from [-0.1, 0.1) (pixel values are in [0, 1]). */
const BRIGHTNESS = 0.1;
/** Contrast factor drawn from [0.8, 1.2). */
const CONTRAST = 0.2;
/** Pixel mean and standard deviation of the Fashion-MNIST training images, scaled to [0, 1]. */
const MEAN = 0.286;
const STD = 0.353;

/** The 5-tap binomial kernel [1 4 6 4 1] / 16; the 5x5 Gaussian is its outer product. */
const K0 = 1 / 16;
const K1 = 4 / 16;
const K2 = 6 / 16;

/** The cropped, flipped image, zero-padded by PAD on each side. */
const padded = new Float32Array(P * P);
/** The horizontal half-pass's output (same layout; its borders are never written). */
const across = new Float32Array(P * P);
/** The smoothing's output (same layout; its borders are never written). */
const smoothed = new Float32Array(P * P);

/**
 * One 5x5 Gaussian pass from `src` to `dst` over the inner SIDE x SIDE pixels, as a
 * horizontal then a vertical 5-tap pass (the 5x5 kernel is separable). `src` may be `dst`.
 */
function blurPass(src: Float32Array, dst: Float32Array): void {
  // Horizontal, over every row including the padding rows (the vertical pass reads them).
  for (let r = 0; r < P; r++) {
    for (let c = PAD; c < PAD + SIDE; c++) {
      const i = r * P + c;
      across[i] =
        K0 * (src[i - 2]! + src[i + 2]!) + K1 * (src[i - 1]! + src[i + 1]!) + K2 * src[i]!;
    }
  }
  for (let r = PAD; r < PAD + SIDE; r++) {
    for (let c = PAD; c < PAD + SIDE; c++) {
      const i = r * P + c;
      dst[i] =
        K0 * (across[i - 2 * P]! + across[i + 2 * P]!) +
        K1 * (across[i - P]! + across[i + P]!) +
        K2 * across[i]!;
    }
  }
}

/**
 * Augments one 28x28 image in place (see the module comment); the label is left as is.
 * Returns nothing: the worker keeps the edited row.
 *
 * @example
 * ```ts
 * const image = new Float32Array(784).fill(0.5);
 * augment([image, 3], { index: 0, position: 0, random: Math.random });
 * ```
 */
export const augment: WorkerMapFn<[Float32Array, number]> = (example, info) => {
  augmentImage(example[0], info);
};

/**
 * The work of {@link augment} on one image (a view of at least 784 values), in place.
 *
 * @example
 * ```ts
 * augmentImage(image, { index: 0, position: 7, random: () => 0.5 });
 * ```
 */
export function augmentImage(image: Float32Array, info: WorkerMapInfo): void {
  if (image.length !== SIDE * SIDE) {
    throw new RangeError(`augment: expected a 28x28 image (784 values), got ${image.length}`);
  }
  // Five draws, always in this order: the result depends on the seed and position only.
  const dx = Math.floor(info.random() * (2 * PAD + 1)) - PAD;
  const dy = Math.floor(info.random() * (2 * PAD + 1)) - PAD;
  const flip = info.random() < 0.5;
  const brightness = (info.random() * 2 - 1) * BRIGHTNESS;
  const contrast = 1 + (info.random() * 2 - 1) * CONTRAST;

  // Crop: output pixel (r, c) is input pixel (r + dy, c + dx) of the zero-padded image,
  // mirrored left-right when `flip`.
  padded.fill(0);
  for (let r = 0; r < SIDE; r++) {
    const sr = r + dy;
    if (sr < 0 || sr >= SIDE) continue;
    const out = (r + PAD) * P + PAD;
    for (let c = 0; c < SIDE; c++) {
      const sc = c + dx;
      if (sc < 0 || sc >= SIDE) continue;
      padded[out + (flip ? SIDE - 1 - c : c)] = image[sr * SIDE + sc]!;
    }
  }

  // Smoothing: a fixed number of 5x5 passes; `padded` is kept for the mix.
  let blurred = padded;
  for (let pass = 0; pass < AUGMENT_BLUR_PASSES; pass++) {
    blurPass(blurred, smoothed);
    blurred = smoothed;
  }

  // Mix, brightness and contrast around the image mean, clamp to [0, 1], normalise.
  let sum = 0;
  for (let r = 0; r < SIDE; r++) {
    const row = (r + PAD) * P + PAD;
    for (let c = 0; c < SIDE; c++) {
      const v = (1 - BLUR_MIX) * padded[row + c]! + BLUR_MIX * blurred[row + c]!;
      image[r * SIDE + c] = v;
      sum += v;
    }
  }
  const mean = sum / (SIDE * SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    let v = (image[i]! - mean) * contrast + mean + brightness;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    image[i] = (v - MEAN) / STD;
  }
}

export default augment;
