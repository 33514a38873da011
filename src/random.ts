import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { integerSeed } from './validate.js';

/**
 * A seeded source of random integers. The same seed gives the same sequence on every run and
 * every machine; without a seed, a fresh nondeterministic one is drawn (as TensorFlow does
 * for a seed of `undefined`).
 *
 * @example
 * ```ts
 * const rng = new Random(7);
 * rng.int(10); // an integer in [0, 10)
 * rng.shuffle([1, 2, 3]);
 * ```
 */
export class Random {
  readonly #rng: ReturnType<typeof xoroshiro128plus>;

  /** @param seed a safe integer; `undefined` for a nondeterministic seed. */
  constructor(seed?: number) {
    const s =
      seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : integerSeed('seed', seed);
    this.#rng = xoroshiro128plus(s | 0);
  }

  /** A uniform integer in `[0, n)`; `n` must be >= 1. */
  int(n: number): number {
    return uniformInt(this.#rng, 0, n - 1);
  }

  /** A uniform float in `[0, 1)` with 53 random bits (like `Math.random`). */
  float(): number {
    return (
      (uniformInt(this.#rng, 0, 0x3ffffff) * 0x8000000 + uniformInt(this.#rng, 0, 0x7ffffff)) /
      2 ** 53
    );
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<A extends { length: number; [i: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A new random permutation of `0..n-1`. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/**
 * A 31-bit seed for item `position` of a stream seeded with `seed`: neighbouring positions
 * get unrelated seeds (a murmur3-style finaliser), so per-item generators do not correlate.
 *
 * @example
 * ```ts
 * new Random(seedFor(7, 12)).float(); // the same on every run, for item 12 of seed 7
 * ```
 */
export function seedFor(seed: number, position: number): number {
  let h = Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(position | 0, 0x85ebca6b);
  h ^= Math.floor(position / 2 ** 32);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
