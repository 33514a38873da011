/**
 * The library as the benchmarks measure it: the compiled package in `dist/` (what users run),
 * not the TypeScript sources. Through tsx the sources carry its transform's extra work (every
 * closure is wrapped to keep its name), which doubles the per-example cost of a runner step.
 * Every benchmark imports the library from here only, so that one module graph (one tfjs
 * instance, one backend) serves them all. `npm run bench` builds `dist/` first.
 */
export * from '../dist/index.js';
export { Random, seedFor } from '../dist/src/random.js';
export type { BlockingOptions } from '../dist/src/types.js';
