/**
 * A ring worker: waits on the shared control block, gathers the rows of each request it owns
 * into that request's slot, and marks the slot ready. No message per batch: requests and
 * results pass through shared memory, so the main thread neither sends nor receives anything
 * per batch and never waits for its event loop to learn that a batch is ready.
 */
import {
  parentPort,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';
import {
  FAILED,
  NAP_MS,
  NAPPING_MS,
  SLEEP_MS,
  READY,
  RING,
  RING_SIZE,
  SLEEPERS,
  STOP,
  SUBMITTED,
  type RingWorkerData,
  type SlotMessage,
} from './ring-layout.js';
import { blockView, copyRows, storedView } from '../src/copy-rows.js';

const data = workerData as RingWorkerData & { readonly port: MessagePort };
const control = new Int32Array(data.control);
const columns = data.columns.map((c) => storedView(c.type, c.buffer, c.byteOffset, c.length));
interface Slot {
  readonly cells: Int32Array;
  readonly out: (Float32Array | Int32Array)[];
}
const slots = new Map<number, Slot>();

function learnSlots(): void {
  for (;;) {
    const m = receiveMessageOnPort(data.port);
    if (m === undefined) return;
    const { slot, cells, out } = m.message as SlotMessage;
    slots.set(slot, {
      cells: new Int32Array(cells),
      out: out.map((b, c) => blockView(data.columns[c]!.dtype, b)),
    });
  }
}

function serve(r: number): void {
  const id = Atomics.load(control, RING + (r % RING_SIZE));
  // A slot is announced before its first request; the message may still be on its way.
  while (!slots.has(id) && Atomics.load(control, STOP) === 0) {
    learnSlots();
    if (!slots.has(id)) Atomics.wait(control, STOP, 0, 1);
  }
  const slot = slots.get(id);
  if (slot === undefined) return;
  const { cells, out } = slot;
  try {
    const rows = cells[1]!;
    data.columns.forEach((c, k) => {
      copyRows(columns[k]!, c.rowSize, cells, 2, rows, out[k]!);
    });
    Atomics.store(cells, 0, READY);
  } catch {
    Atomics.store(cells, 0, FAILED);
  }
  Atomics.notify(cells, 0);
}

// Tell the main thread the worker runs: until then it must not wait for it synchronously.
parentPort?.postMessage('online');

let next = data.id;
let busyAt = performance.now();
for (;;) {
  const submitted = Atomics.load(control, SUBMITTED);
  if (next < submitted) {
    serve(next);
    next += data.workers;
    busyAt = performance.now();
  } else if (Atomics.load(control, STOP) === 1) {
    // Closed, and everything handed over is served.
    break;
  } else if (performance.now() - busyAt < NAPPING_MS) {
    // Idle for a short while: nap and look again, so the main thread need not wake us.
    Atomics.wait(control, SUBMITTED, submitted, NAP_MS);
  } else {
    // Idle for long: sleep until notified. Counted first, so that a request submitted after
    // this point either is seen by the wait (the value changed) or sees the count and notifies.
    Atomics.add(control, SLEEPERS, 1);
    Atomics.wait(control, SUBMITTED, submitted, SLEEP_MS);
    Atomics.sub(control, SLEEPERS, 1);
  }
}
data.port.close();
