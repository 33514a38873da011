/** Bytes per megabyte (MiB), the unit of the RSS figures. */
const MB = 1024 * 1024;

/**
 * Tracks the peak resident set size of the process. Samples are taken by a timer every
 * `intervalMs` and by {@link RssSampler.maybeSample}, which the training loop calls every
 * step: a synchronous loop (the generator method) never lets the timer fire.
 *
 * @example
 * ```ts
 * const rss = new RssSampler(100);
 * for (const batch of batches) {
 *   step(batch);
 *   rss.maybeSample();
 * }
 * rss.stop();
 * console.log(rss.peakMb);
 * ```
 */
export class RssSampler {
  readonly #intervalMs: number;
  readonly #timer: NodeJS.Timeout;
  #last = 0;
  #peak = 0;

  /** Starts sampling now; `intervalMs` is the minimum time between two samples. */
  constructor(intervalMs = 100) {
    this.#intervalMs = intervalMs;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    // The sampler must never keep the process alive on its own.
    this.#timer.unref();
  }

  /** Takes a sample now and returns it in MB. */
  sample(): number {
    this.#last = performance.now();
    const mb = process.memoryUsage.rss() / MB;
    if (mb > this.#peak) this.#peak = mb;
    return mb;
  }

  /** Takes a sample if the last one is at least `intervalMs` old. */
  maybeSample(): void {
    if (performance.now() - this.#last >= this.#intervalMs) this.sample();
  }

  /** The largest RSS seen so far, in MB. */
  get peakMb(): number {
    return this.#peak;
  }

  /** Stops the timer (after a last sample). */
  stop(): void {
    this.sample();
    clearInterval(this.#timer);
  }
}
