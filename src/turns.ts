import { untilAborted } from './abort.js';

/**
 * One reserved place in a {@link Turns} line.
 *
 * @example
 * ```ts
 * const turn = turns.reserve();
 * await turn.ready(signal);
 * try { await queue.enqueue(x); } finally { turn.release(); }
 * ```
 */
export interface Turn {
  /** Resolves once every earlier turn has been released; rejects when `signal` aborts. */
  ready(signal?: AbortSignal): Promise<void>;
  /** Lets the next turn go; idempotent. Call it whatever happened (in a `finally`). */
  release(): void;
}

/**
 * Hands out turns in reservation order, so that concurrent tasks which take their inputs in
 * order (e.g. consecutive index blocks) also deliver their outputs in that order, whatever
 * order their work finishes in. This is what keeps a multi-task, multi-worker stage
 * deterministic: the output sequence is the input sequence.
 *
 * @example
 * ```ts
 * const turns = new Turns();
 * const turn = turns.reserve(); // synchronously, in input order
 * const out = await work(await takeInput());
 * await turn.ready();
 * try { deliver(out); } finally { turn.release(); }
 * ```
 */
export class Turns {
  /** The last reserved turn's state: released yet, and the promise its successor waits on. */
  #tail: { released: boolean; promise: Promise<void> } = {
    released: true,
    promise: Promise.resolve(),
  };

  /** Reserves the next place in line. */
  reserve(): Turn {
    const previous = this.#tail;
    let resolve!: () => void;
    const state = {
      released: false,
      promise: new Promise<void>((r) => {
        resolve = r;
      }),
    };
    this.#tail = state;
    return {
      ready: (signal) => {
        // Already free (the common case when deliveries keep up): no listener to wire.
        if (previous.released || signal === undefined) return previous.promise;
        return untilAborted(previous.promise, signal, 'Waiting for a turn was cancelled');
      },
      release: () => {
        state.released = true;
        resolve();
      },
    };
  }
}
