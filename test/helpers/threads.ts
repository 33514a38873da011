import type { Thread } from '../../src/types.js';

/** A hand-driven thread: alive until `finish()` is called. */
export interface FakeThread extends Thread {
  finish(): void;
}

/** Creates a {@link FakeThread} named `name`. */
export function fakeThread(name: string): FakeThread {
  let alive = true;
  let resolve: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    name,
    done,
    isAlive: () => alive,
    finish: () => {
      alive = false;
      resolve();
    },
  };
}

/** Resolves once `condition()` holds, checking every millisecond; fails after `ms`. */
export async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition still false after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
