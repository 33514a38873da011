import type { SharedColumn } from './gather-task.js';

/**
 * The shared memory between a producer's main thread and its ring workers (see `GatherRing`).
 *
 * The control block (`Int32Array` over one `SharedArrayBuffer`): `[SUBMITTED]` counts the
 * requests written so far (the main thread bumps it); `[STOP]` is 1 once the ring is closed;
 * `[SLEEPERS]` counts the workers in a long sleep, which only a notify ends (the main thread
 * notifies only then: an idle worker naps in short timed waits first, so that handing over a
 * block costs the main thread no wake-up call, which is a system call and, in a virtual
 * machine, an interrupt to the other core); from `RING` on, request `r`'s slot number sits at
 * `RING + r % RING_SIZE`.
 * Request `r` is served by worker `r % workers`, in order.
 *
 * Each slot has its own cells (`[state, rows, ...indices]`, state `PENDING` -> `READY` or
 * `FAILED`) and one output array per column; a slot belongs to one block at a time.
 */
export const SUBMITTED = 0;
export const STOP = 1;
export const SLEEPERS = 2;
export const RING = 3;
/** How long an idle worker naps between looks at `[SUBMITTED]`, ms. */
export const NAP_MS = 0.5;
/** After this long idle, ms, a worker sleeps until notified (see `[SLEEPERS]`). */
export const NAPPING_MS = 200;
/** The longest a sleeping worker waits for a notify before it looks again anyway, ms. */
export const SLEEP_MS = 5000;
/** Requests in flight at most (slots alive at once); far more than queues ever hold. */
export const RING_SIZE = 1 << 16;

export const PENDING = 0;
export const READY = 1;
export const FAILED = 2;

/**
 * What a ring worker is started with.
 *
 * @example
 * ```ts
 * const data: RingWorkerData = { control, workers: 1, id: 0, columns, port };
 * ```
 */
export interface RingWorkerData {
  readonly control: SharedArrayBuffer;
  readonly workers: number;
  readonly id: number;
  readonly columns: readonly SharedColumn[];
}

/**
 * A message telling the workers about a new slot (sent once per slot, before its first use).
 *
 * @example
 * ```ts
 * port.postMessage({ slot: 3, cells, rows: 100, out: [buffer] } satisfies SlotMessage);
 * ```
 */
export interface SlotMessage {
  readonly slot: number;
  /** `[state, rows, ...indices]` of the slot. */
  readonly cells: SharedArrayBuffer;
  /** Capacity of the slot, in rows. */
  readonly rows: number;
  /** One buffer per column, `rows * rowSize` values. */
  readonly out: readonly SharedArrayBuffer[];
}
