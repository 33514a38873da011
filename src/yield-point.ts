import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets timers and I/O run now and then inside a loop whose steps may all settle in
 * microtasks. A runner feeding a consumer through a queue that is never full nor empty can
 * go on for ever without giving a timer its turn, and then no `requestStop` from a timer,
 * no `timeoutMs` and no `stepTimeoutMs` could ever fire. Checking the clock costs far less
 * than a macrotask turn, so the loop pays for a turn only every `intervalMs`.
 *
 * @example
 * ```ts
 * const yieldPoint = new YieldPoint();
 * while (!coord.shouldStop()) {
 *   await step();
 *   const turn = yieldPoint.due();
 *   if (turn !== undefined) await turn;
 * }
 * ```
 */
export class YieldPoint {
  readonly #intervalMs: number;
  #last = performance.now();

  /** @param intervalMs the longest stretch without a macrotask turn (default 10). */
  constructor(intervalMs = 10) {
    this.#intervalMs = intervalMs;
  }

  /** A promise to await when a turn is due (and the clock restarts), else `undefined`. */
  due(): Promise<void> | undefined {
    const now = performance.now();
    if (now - this.#last < this.#intervalMs) return undefined;
    this.#last = now;
    return nextTurn();
  }
}
