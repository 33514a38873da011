import { MessageChannel, Worker } from 'node:worker_threads';
import { CancelledError, PipelineError } from '../src/errors.js';
import { sharedColumns } from '../src/block-buffers.js';
import type { RowBlock } from '../src/row-block.js';
import type { RowReader } from '../src/row-reader.js';
import { assertShareable, share, workerFile } from './gather-pool.js';
import {
  FAILED,
  PENDING,
  RING,
  RING_SIZE,
  SLEEPERS,
  STOP,
  SUBMITTED,
  type RingWorkerData,
  type SlotMessage,
} from './ring-layout.js';

/** One reusable slot: its shared cells (`[state, rows, ...indices]`) and output arrays. */
interface Slot {
  readonly id: number;
  readonly rows: number;
  readonly cells: Int32Array;
  readonly out: (Float32Array | Int32Array)[];
}

/**
 * A producer's gather workers without a per-batch message: long-lived worker threads that
 * watch a shared control block. `gather(indices)` writes the indices into a free slot, bumps
 * a shared counter and returns at once — a block whose arrays the workers fill while the main
 * thread goes on (e.g. with a training step). Whoever reads the block first calls its
 * `settle()`, which returns at once when the rows are there and otherwise waits for them
 * (`Atomics.wait`, a fraction of a millisecond), so no result ever waits for the main
 * thread's event loop. Slots are recycled on `release()`.
 *
 * Used by `sliceInputProducer` with `workers` and no `workerMap` (a map runs on a piscina
 * pool instead, see `GatherPool`).
 *
 * @example
 * ```ts
 * const ring = new GatherRing(set.readers, 1, 'tensorList');
 * const block = ring.gather([5, 1, 9]); // returns at once
 * block.settle?.(); // the rows are in block.columns now
 * block.release?.();
 * ring.close();
 * ```
 */
export class GatherRing {
  readonly #readers: readonly RowReader[];
  readonly #workers: number;
  readonly #control = new Int32Array(new SharedArrayBuffer((RING + RING_SIZE) * 4));
  readonly #free: Slot[] = [];
  #slots = 0;
  #submitted = 0;
  /** One port per worker (a port goes to one thread), on which new slots are announced. */
  #started:
    { readonly ports: MessageChannel['port1'][]; readonly online: Promise<void> } | undefined;
  #failure: Error | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;

  /**
   * @param readers the producer's columns (numeric only).
   * @param workers worker threads (>= 1).
   * @param argName the columns' name in error messages.
   */
  constructor(readers: readonly RowReader[], workers: number, argName: string) {
    assertShareable(readers, argName);
    this.#readers = readers;
    this.#workers = workers;
  }

  /**
   * Resolves once the workers run (the first call starts them). Until then nothing may wait
   * for them synchronously: a thread that is starting needs the main thread's event loop.
   *
   * @example
   * ```ts
   * await ring.ready();
   * ```
   */
  ready(): Promise<void> {
    // One promise for every caller: this is awaited once per block.
    return (this.#ready ??= this.#start().online.catch((error: unknown) => {
      throw (this.#failure ??= new PipelineError('A gather worker failed to start', {
        cause: error,
      }));
    }));
  }

  /**
   * Hands rows `indices` to the workers and returns their block at once (see the class).
   *
   * @example
   * ```ts
   * const block = ring.gather(indices);
   * ```
   */
  gather(indices: readonly number[]): RowBlock {
    if (this.#closed) throw new CancelledError('The gather workers were closed');
    const { ports } = this.#start();
    const n = indices.length;
    const slot = this.#acquire(n, ports);
    const cells = slot.cells;
    Atomics.store(cells, 0, PENDING);
    cells[1] = n;
    for (let j = 0; j < n; j++) cells[2 + j] = indices[j]!;
    const r = this.#submitted++;
    Atomics.store(this.#control, RING + (r % RING_SIZE), slot.id);
    Atomics.store(this.#control, SUBMITTED, r + 1);
    // Napping workers see the request on their own; only sleeping ones need a wake-up.
    if (Atomics.load(this.#control, SLEEPERS) > 0) Atomics.notify(this.#control, SUBMITTED);
    let released = false;
    return {
      length: n,
      columns: slot.out,
      settle: () => this.#settle(slot),
      release: () => {
        if (released) return;
        released = true;
        // A slot goes back only once the workers are done with it.
        this.#waitDone(slot);
        this.#free.push(slot);
      },
    };
  }

  /**
   * Lets the workers finish what was handed to them, then end. Idempotent.
   *
   * @example
   * ```ts
   * ring.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#control, STOP, 1);
    Atomics.notify(this.#control, SUBMITTED);
    for (const port of this.#started?.ports ?? []) port.close();
  }

  #start(): { readonly ports: MessageChannel['port1'][]; readonly online: Promise<void> } {
    if (this.#started === undefined) {
      const columns = this.#readers.map(share);
      const { filename, execArgv } = workerFile('ring-worker');
      // Under tsx (tests, scripts) the worker registers tsx before importing the .ts module.
      const boot =
        execArgv === undefined
          ? `import(${JSON.stringify(filename)})`
          : `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(filename)}); })`;
      const online: Promise<void>[] = [];
      const ports = Array.from({ length: this.#workers }, (_, id) => {
        const channel = new MessageChannel();
        const data: RingWorkerData & { port: MessageChannel['port2'] } = {
          control: this.#control.buffer,
          workers: this.#workers,
          id,
          columns,
          port: channel.port2,
        };
        const worker = new Worker(boot, {
          eval: true,
          workerData: data,
          transferList: [channel.port2],
        });
        online.push(
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => {
              // Running: from now on an idle worker must not keep the process alive.
              worker.unref();
              resolve();
            });
            worker.once('error', reject);
          }),
        );
        worker.on('error', (error) => {
          this.#failure ??= new PipelineError('A gather worker failed', { cause: error });
        });
        channel.port1.unref();
        return channel.port1;
      });
      this.#started = { ports, online: Promise.all(online).then(() => undefined) };
      // Reported through `ready()` and `settle()`; never an unhandled rejection.
      this.#started.online.catch(() => undefined);
    }
    return this.#started;
  }

  #acquire(rows: number, ports: readonly MessageChannel['port1'][]): Slot {
    const k = this.#free.findIndex((s) => s.rows === rows);
    if (k >= 0) return this.#free.splice(k, 1)[0]!;
    if (this.#slots >= RING_SIZE) {
      throw new PipelineError(`More than ${RING_SIZE} blocks in flight: a queue far too large`);
    }
    const id = this.#slots++;
    const cellsBuffer = new SharedArrayBuffer((2 + rows) * 4);
    const out = sharedColumns(this.#readers, rows);
    const message: SlotMessage = {
      slot: id,
      cells: cellsBuffer,
      rows,
      out: out.map((c) => c.buffer as SharedArrayBuffer),
    };
    for (const port of ports) port.postMessage(message);
    return { id, rows, cells: new Int32Array(cellsBuffer), out };
  }

  /** Waits until the workers are done with `slot`; true if its rows are there. */
  #waitDone(slot: Slot): boolean {
    for (let waits = 0; ; waits++) {
      const state = Atomics.load(slot.cells, 0);
      if (state !== PENDING) return state !== FAILED;
      // About to wait for it: wake a napping worker now rather than at the end of its nap.
      if (waits === 0) Atomics.notify(this.#control, SUBMITTED);
      // A failed worker, closed workers that will not serve this slot any more, or a worker
      // that stopped answering (a copy takes well under a millisecond): give up.
      if (this.#failure !== undefined || (this.#closed && waits >= 20) || waits >= 200) {
        return false;
      }
      Atomics.wait(slot.cells, 0, PENDING, 50);
    }
  }

  #settle(slot: Slot): void {
    if (!this.#waitDone(slot)) {
      throw this.#failure ?? new PipelineError('A gather worker failed to copy a block of rows');
    }
  }
}
