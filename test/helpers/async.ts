/** Resolves after the current microtasks and one macrotask turn. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 'pending', 'resolved' or 'rejected', after letting queued callbacks run. */
export async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  await tick();
  return s;
}

/** The rejection of `p` (fails the test if `p` resolves or takes longer than `ms`). */
export async function rejection(p: Promise<unknown>, ms = 2000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, timeout]);
  } catch (error) {
    if (error instanceof Error && error.message === `still pending after ${ms} ms`) throw error;
    return error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection, got a resolution');
}

/** The value of `p`, failing if it takes longer than `ms`. */
export async function within<T>(p: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
