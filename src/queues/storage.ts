/**
 * Where a queue keeps its elements, and in which order it gives them out. The queue's
 * waiting, closing and cancelling logic is shared (`QueueBase`); each queue kind differs only
 * in its storage, as p-queue separates its `queueClass` from its concurrency control.
 */
export interface QueueStorage<T> {
  /** Elements stored now. */
  readonly size: number;
  /** Stores one element (already validated). */
  add(element: T): void;
  /** How many elements may be taken now; a shuffle queue holds back `minAfterDequeue` while open. */
  available(closed: boolean): number;
  /** Removes one element by the storage's policy; the caller checks `available` first. */
  take(): T;
  /** Puts back elements a `dequeueMany` had taken, so that they come out first (FIFO) or rejoin the pool. */
  restore(elements: readonly T[]): void;
  /** Removes and returns everything. */
  clear(): T[];
}
