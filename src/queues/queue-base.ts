import {
  CancelledError,
  DeadlineExceededError,
  FailedPreconditionError,
  OutOfRangeError,
} from '../errors.js';
import type { CloseOptions, FedQueue } from '../queue.js';
import { describeFailure } from '../stage.js';
import type { BlockingOptions } from '../types.js';
import {
  invalidArgument,
  isAbortSignal,
  nonNegativeInteger,
  nonNegativeMs,
  positiveInteger,
} from '../validate.js';
import { uniqueName } from '../names.js';
import { whenAborted } from '../abort.js';
import type { QueueStorage } from './storage.js';

/**
 * Options every queue accepts.
 *
 * @example
 * ```ts
 * new FIFOQueue<number>({ capacity: 100, name: 'examples' });
 * ```
 */
export interface QueueOptions {
  /** The most elements the queue holds (a positive integer). */
  readonly capacity: number;
  /** The queue's name in error messages and runner thread names; unique defaults per kind. */
  readonly name?: string | undefined;
}

interface Pending {
  /** Clears the attempt's timers and listeners; called once it is settled or abandoned. */
  cleanup: () => void;
  readonly reject: (error: unknown) => void;
}

interface EnqueueAttempt<T> extends Pending {
  readonly kind: 'enqueue';
  readonly elements: readonly T[];
  next: number;
  readonly resolve: () => void;
}

interface CloseAttempt extends Pending {
  readonly kind: 'close';
  readonly resolve: () => void;
}

interface DequeueAttempt<T> extends Pending {
  readonly n: number;
  readonly upTo: boolean;
  readonly taken: T[];
  readonly resolve: (elements: T[]) => void;
  /** Drops the never-started-runners deadline once a runner starts. */
  stopStartDeadline: () => void;
}

/** Validation throws errors; anything else thrown by a subclass's check is wrapped. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const leftovers = new WeakMap<Error, readonly unknown[]>();

/** `error`, recorded as rejecting an enqueue that stored none of `elements` (see `notEnqueued`). */
function noneStored(error: Error, elements: readonly unknown[]): Error {
  leftovers.set(error, [...elements]);
  return error;
}

/**
 * The elements of a rejected `enqueue`/`enqueueMany` that never entered the queue (those
 * before them did). A stage uses it to release what it could not hand on; `[]` for any other
 * error.
 *
 * @example
 * ```ts
 * try {
 *   await queue.enqueueMany(rows, { signal });
 * } catch (error) {
 *   disposeTensorsIn(notEnqueued(error));
 *   throw error;
 * }
 * ```
 */
export function notEnqueued(error: unknown): readonly unknown[] {
  return (error instanceof Error ? leftovers.get(error) : undefined) ?? [];
}

/**
 * The waiting, closing and cancelling logic every queue shares, over a pluggable
 * {@link QueueStorage}. Like TensorFlow's `QueueBase`, it keeps two lists of pending attempts
 * (enqueues and dequeues) and, after every change, serves the head of each list in turn until
 * neither makes progress: waiters are served in arrival order in each direction, a large
 * `enqueueMany` inserts as room frees, a `dequeueMany` gathers its batch as elements arrive.
 */
export abstract class QueueBase<T> implements FedQueue<T> {
  readonly #capacity: number;
  readonly #name: string;
  readonly #storage: QueueStorage<T>;
  readonly #enqueues: (EnqueueAttempt<T> | CloseAttempt)[] = [];
  readonly #dequeues: DequeueAttempt<T>[] = [];
  #closed = false;
  #closeCause: unknown = undefined;
  #feeders = 0;
  #feedersStarted = 0;
  #feederStartTimeoutMs = Infinity;

  /** The class name used in messages (`FIFOQueue`, ...). */
  protected abstract readonly kind: string;

  protected constructor(options: QueueOptions, defaultName: string, storage: QueueStorage<T>) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object with `capacity`', options);
    }
    this.#capacity = positiveInteger('capacity', options.capacity);
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw invalidArgument('name', 'a non-empty string', options.name);
    }
    this.#name = options.name ?? uniqueName(defaultName);
    this.#storage = storage;
  }

  /** The queue's name. */
  get name(): string {
    return this.#name;
  }

  /** The most elements the queue holds. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Elements stored now, not counting those held by a half-filled `dequeueMany`. */
  get size(): number {
    return this.#storage.size;
  }

  /** True once a close has taken effect. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Checks one element before it is stored and returns what to store; subclasses validate
   * shapes or priorities here. Throwing rejects the enqueue with nothing stored. Absent, as in
   * the plain queues, elements are stored as given (and a large `enqueueMany` costs no call,
   * let alone a label, per element).
   */
  protected check?(element: T, label: string): T;

  /** Post-processes a dequeued batch (a padding queue pads it). */
  protected finishBatch(elements: T[]): T[] {
    return elements;
  }

  /** Whether a `dequeueMany` must wait for all `n` elements before taking any (priority queue). */
  protected get allOrNothing(): boolean {
    return false;
  }

  /**
   * Appends one element, waiting while the queue is full. Rejects with `CancelledError` if the
   * queue is closed (or closed with `cancelPendingEnqueues` while waiting).
   *
   * @example
   * ```ts
   * await queue.enqueue([image, label], { timeoutMs: 1000 });
   * ```
   */
  enqueue(element: T, options?: BlockingOptions): Promise<void> {
    return this.#enqueue([element], options, true);
  }

  /**
   * Appends elements in order; as many as fit are stored at once, the rest as room frees. An
   * empty list resolves at once, even on a closed queue (as in TensorFlow).
   *
   * @example
   * ```ts
   * await queue.enqueueMany([1, 2, 3]);
   * ```
   */
  enqueueMany(elements: readonly T[], options?: BlockingOptions): Promise<void> {
    if (!Array.isArray(elements)) {
      return Promise.reject(invalidArgument('elements', 'an array', elements));
    }
    if (elements.length === 0) return Promise.resolve();
    return this.#enqueue(elements, options, false);
  }

  /**
   * Removes one element, waiting while none can be taken. Rejects with `OutOfRangeError` once
   * the queue is closed and empty.
   *
   * @example
   * ```ts
   * const element = await queue.dequeue({ signal: coord.signal });
   * ```
   */
  async dequeue(options?: BlockingOptions): Promise<T> {
    const [element] = await this.#dequeue(1, false, options, 'dequeue');
    return element as T;
  }

  /**
   * Removes exactly `n` elements, atomically toward other consumers. If the queue closes with
   * fewer left, rejects with `OutOfRangeError` and leaves the elements in the queue.
   *
   * @example
   * ```ts
   * const rows = await queue.dequeueMany(100);
   * ```
   */
  dequeueMany(n: number, options?: BlockingOptions): Promise<T[]> {
    return this.#dequeue(n, false, options, 'dequeueMany');
  }

  /**
   * Like `dequeueMany` while the queue is open; once it is closed, returns the 1..n-1 elements
   * left, and rejects with `OutOfRangeError` only when nothing is left.
   *
   * @example
   * ```ts
   * const rows = await queue.dequeueUpTo(100); // the last batch may be smaller
   * ```
   */
  dequeueUpTo(n: number, options?: BlockingOptions): Promise<T[]> {
    return this.#dequeue(n, true, options, 'dequeueUpTo');
  }

  /**
   * Closes the queue. A plain close takes effect after the enqueues already pending and
   * settles then; it rejects with `CancelledError` if the queue is already closed. A cancelling
   * close (`{ cancelPendingEnqueues: true }`) takes effect at once, rejects every pending
   * enqueue with `CancelledError`, and never fails. Either way, elements already stored can
   * still be dequeued; then dequeues reject with `OutOfRangeError` (carrying `cause`, if given).
   *
   * @example
   * ```ts
   * await queue.close();
   * await queue.close({ cancelPendingEnqueues: true, cause: error });
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object') {
      return Promise.reject(invalidArgument('options', 'an object', options));
    }
    if (
      options.cancelPendingEnqueues !== undefined &&
      typeof options.cancelPendingEnqueues !== 'boolean'
    ) {
      return Promise.reject(
        invalidArgument('cancelPendingEnqueues', 'a boolean', options.cancelPendingEnqueues),
      );
    }
    if (options.cancelPendingEnqueues === true) {
      this.#cancelClose(options.cause);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const attempt: CloseAttempt = {
        kind: 'close',
        resolve: () => {
          if (this.#closeCause === undefined) this.#closeCause = options.cause;
          resolve();
        },
        reject,
        cleanup: () => undefined,
      };
      this.#enqueues.push(attempt);
      this.#flush();
    });
  }

  /**
   * Declares one runner that will feed this queue. Until some declared runner calls
   * `started()`, a dequeue that waits `startTimeoutMs` rejects with `FailedPreconditionError`.
   *
   * @example
   * ```ts
   * const feeder = queue.registerFeeder(5000);
   * feeder.started();
   * ```
   */
  registerFeeder(startTimeoutMs: number): { started(): void } {
    nonNegativeMs('startTimeoutMs', startTimeoutMs);
    this.#feeders++;
    this.#feederStartTimeoutMs = Math.min(this.#feederStartTimeoutMs, startTimeoutMs);
    let started = false;
    return {
      started: () => {
        if (started) return;
        started = true;
        this.#feedersStarted++;
        // Waiting dequeues no longer need their start deadline.
        for (const d of this.#dequeues) d.stopStartDeadline();
      },
    };
  }

  /**
   * Removes and returns every stored element at once.
   *
   * @example
   * ```ts
   * await queue.close({ cancelPendingEnqueues: true });
   * for (const element of queue.clear()) disposeTensorsIn(element);
   * ```
   */
  clear(): T[] {
    const out = this.#storage.clear();
    this.#flush();
    return out;
  }

  #describe(): string {
    return `${this.kind} '${this.#name}'`;
  }

  #enqueue(
    elements: readonly T[],
    options: BlockingOptions | undefined,
    single: boolean,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closed) {
        reject(noneStored(new CancelledError(`${this.#describe()} is closed`), elements));
        return;
      }
      let checked: T[];
      try {
        this.#checkOptions(options, 'enqueue');
        const check = this.check?.bind(this);
        checked =
          check === undefined
            ? elements.slice()
            : elements.map((e, i) => check(e, single ? 'element' : `elements[${i}]`));
      } catch (error) {
        reject(noneStored(asError(error), elements));
        return;
      }
      // Fast path: nobody is waiting ahead and everything fits.
      if (this.#enqueues.length === 0 && this.#storage.size + checked.length <= this.#capacity) {
        for (const e of checked) this.#storage.add(e);
        resolve();
        if (this.#dequeues.length > 0) this.#flush();
        return;
      }
      const attempt: EnqueueAttempt<T> = {
        kind: 'enqueue',
        elements: checked,
        next: 0,
        resolve,
        reject,
        cleanup: () => undefined,
      };
      this.#enqueues.push(attempt);
      this.#flush();
      // Timers and abort listeners only for an attempt that has to wait.
      if (this.#enqueues.includes(attempt)) this.#arm(attempt, options, this.#enqueues, 'enqueue');
    });
  }

  #dequeue(
    n: number,
    upTo: boolean,
    options: BlockingOptions | undefined,
    op: string,
  ): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      try {
        nonNegativeInteger('n', n);
        this.#checkOptions(options, op);
      } catch (error) {
        reject(asError(error));
        return;
      }
      if (n === 0) {
        resolve([]);
        return;
      }
      const attempt: DequeueAttempt<T> = {
        n,
        upTo,
        taken: [],
        resolve,
        reject,
        cleanup: () => undefined,
        stopStartDeadline: () => undefined,
      };
      this.#dequeues.push(attempt);
      this.#flush();
      // Timers and abort listeners only for an attempt that has to wait.
      if (this.#dequeues.includes(attempt)) {
        this.#arm(attempt, options, this.#dequeues, op);
        this.#armStartDeadline(attempt, op);
      }
    });
  }

  /** Throws for bad options or an already aborted signal, before anything is stored or taken. */
  #checkOptions(options: BlockingOptions | undefined, op: string): void {
    if (options === undefined) return;
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', 'an object', options);
    }
    if (options.timeoutMs !== undefined) nonNegativeMs('timeoutMs', options.timeoutMs);
    if (options.signal !== undefined && !isAbortSignal(options.signal)) {
      throw invalidArgument('signal', 'an AbortSignal', options.signal);
    }
    if (options.signal?.aborted) {
      throw new CancelledError(`${op} on ${this.#describe()} was aborted`, {
        cause: options.signal.reason,
      });
    }
  }

  /**
   * Wires `timeoutMs` and `signal` (checked already) to a waiting attempt. Both leave the queue
   * usable: the attempt is removed, a partial batch is put back, and the other waiters are
   * served again.
   */
  #arm(
    attempt: Pending,
    options: BlockingOptions | undefined,
    list: readonly Pending[],
    op: string,
  ): void {
    if (options === undefined) return;
    const { signal, timeoutMs } = options;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        this.#abandon(
          attempt,
          list,
          new DeadlineExceededError(
            `Timed out waiting for notification: ${op} on ${this.#describe()} exceeded timeoutMs ${timeoutMs}`,
          ),
        );
      }, timeoutMs);
    }
    const onAbort = (): void => {
      this.#abandon(
        attempt,
        list,
        new CancelledError(`${op} on ${this.#describe()} was aborted`, { cause: signal?.reason }),
      );
    };
    const stopWatching = signal === undefined ? undefined : whenAborted(signal, onAbort);
    const previous = attempt.cleanup;
    attempt.cleanup = () => {
      previous();
      if (timer !== undefined) clearTimeout(timer);
      stopWatching?.();
    };
  }

  /** A dequeue on a queue whose declared runners never started fails instead of hanging. */
  #armStartDeadline(attempt: DequeueAttempt<T>, op: string): void {
    if (this.#feeders === 0 || this.#feedersStarted > 0) return;
    const ms = this.#feederStartTimeoutMs;
    const timer = setTimeout(() => {
      if (this.#feedersStarted > 0) return;
      this.#abandon(
        attempt,
        this.#dequeues,
        new FailedPreconditionError(
          `${op} on ${this.#describe()} waited ${ms} ms, but the queue runners that feed it were ` +
            'never started: call startQueueRunners({ coord }) before dequeuing',
        ),
      );
    }, ms);
    const previousCleanup = attempt.cleanup;
    attempt.stopStartDeadline = () => clearTimeout(timer);
    attempt.cleanup = () => {
      previousCleanup();
      clearTimeout(timer);
    };
  }

  /** Records which elements of a failed enqueue never entered the queue (see `notEnqueued`). */
  #withLeftovers(error: Error, attempt: Pending): Error {
    const a = attempt as Partial<EnqueueAttempt<T>>;
    if (a.kind === 'enqueue' && a.elements !== undefined) {
      leftovers.set(error, a.elements.slice(a.next ?? 0));
    }
    return error;
  }

  #abandon(attempt: Pending, list: readonly Pending[], error: Error): void {
    const i = list.indexOf(attempt);
    if (i < 0) return;
    (list as Pending[]).splice(i, 1);
    this.#withLeftovers(error, attempt);
    attempt.cleanup();
    const taken = (attempt as Partial<DequeueAttempt<T>>).taken;
    if (taken !== undefined && taken.length > 0) {
      this.#storage.restore(taken);
      taken.length = 0;
    }
    attempt.reject(error);
    this.#flush();
  }

  #cancelClose(cause: unknown): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#closeCause = cause;
    } else if (this.#closeCause === undefined) {
      this.#closeCause = cause;
    }
    const pending = this.#enqueues.splice(0);
    for (const a of pending) {
      a.cleanup();
      if (a.kind === 'close') a.resolve();
      else
        a.reject(
          this.#withLeftovers(
            new CancelledError(`Enqueue operation on ${this.#describe()} was cancelled`),
            a,
          ),
        );
    }
    this.#flush();
  }

  #outOfRange(requested: number): OutOfRangeError {
    const message = `${this.#describe()} is closed and has insufficient elements (requested ${requested}, current size ${this.#storage.size})`;
    const cause = this.#closeCause;
    if (cause === undefined) return new OutOfRangeError(message);
    // Input ended because a stage failed: say which, and how.
    return new OutOfRangeError(`${message}; input ended because ${describeFailure(cause)}`, {
      cause,
    });
  }

  /** Serves the heads of both waiting lists until neither makes progress. */
  #flush(): void {
    let progress = true;
    while (progress) {
      progress = this.#serveEnqueue() || this.#serveDequeue();
    }
  }

  #serveEnqueue(): boolean {
    const head = this.#enqueues[0];
    if (head === undefined) return false;
    if (head.kind === 'close') {
      this.#enqueues.shift();
      head.cleanup();
      if (this.#closed) {
        head.reject(new CancelledError(`${this.#describe()} is already closed`));
      } else {
        this.#closed = true;
        head.resolve();
      }
      return true;
    }
    if (this.#closed) {
      this.#enqueues.shift();
      head.cleanup();
      head.reject(this.#withLeftovers(new CancelledError(`${this.#describe()} is closed`), head));
      return true;
    }
    const storage = this.#storage;
    let progress = false;
    while (head.next < head.elements.length && storage.size < this.#capacity) {
      storage.add(head.elements[head.next++] as T);
      progress = true;
    }
    if (head.next === head.elements.length) {
      this.#enqueues.shift();
      head.cleanup();
      head.resolve();
      return true;
    }
    return progress;
  }

  #serveDequeue(): boolean {
    const head = this.#dequeues[0];
    if (head === undefined) return false;
    const storage = this.#storage;
    const closed = this.#closed;
    let progress = false;
    const need = head.n - head.taken.length;
    const available = storage.available(closed);
    if (!this.allOrNothing || available >= need || closed) {
      const count = Math.min(need, available);
      for (let i = 0; i < count; i++) head.taken.push(storage.take());
      progress = count > 0;
    }
    if (head.taken.length === head.n) {
      this.#dequeues.shift();
      head.cleanup();
      head.resolve(this.finishBatch(head.taken));
      return true;
    }
    // A closed queue fills no batch any further, unless enqueues that were pending before the
    // close are still being admitted (they are served first).
    if (closed && this.#enqueues.length === 0) {
      this.#dequeues.shift();
      head.cleanup();
      if (head.upTo && head.taken.length > 0) {
        head.resolve(this.finishBatch(head.taken));
      } else {
        const requested = head.n;
        if (head.taken.length > 0) storage.restore(head.taken);
        head.taken.length = 0;
        head.reject(this.#outOfRange(requested));
      }
      return true;
    }
    return progress;
  }
}
