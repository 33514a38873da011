import type { QueueStorage } from './storage.js';

interface Entry<T> {
  readonly priority: number;
  readonly seq: number;
  readonly element: T;
}

/**
 * A binary min-heap on the element's first component (its priority). Equal priorities come
 * out in arrival order, which TensorFlow leaves unspecified; a stable order makes runs
 * reproducible.
 */
export class PriorityStorage<T extends readonly unknown[]> implements QueueStorage<T> {
  readonly #heap: Entry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  add(element: T): void {
    const heap = this.#heap;
    heap.push({ priority: element[0] as number, seq: this.#seq++, element });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  available(): number {
    return this.#heap.length;
  }

  take(): T {
    const heap = this.#heap;
    const top = heap[0] as Entry<T>;
    const last = heap.pop() as Entry<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(l, m)) m = l;
        if (r < heap.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top.element;
  }

  restore(elements: readonly T[]): void {
    for (const e of elements) this.add(e);
  }

  clear(): T[] {
    const out: T[] = [];
    while (this.#heap.length > 0) out.push(this.take());
    return out;
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a] as Entry<T>;
    const y = this.#heap[b] as Entry<T>;
    return x.priority < y.priority || (x.priority === y.priority && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const t = heap[a] as Entry<T>;
    heap[a] = heap[b] as Entry<T>;
    heap[b] = t;
  }
}
