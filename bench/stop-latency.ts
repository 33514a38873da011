/**
 * How long `coord.requestStop()` takes to end a blocked pipeline: the time from the call to
 * `coord.join()` resolving, over many trials (issue 5, item 3).
 *
 * Each trial builds a 3-stage pipeline, starts it, waits until it is saturated, then stops
 * it and times the stop. Two scenarios:
 *
 * - `pending map`: `rangeInputProducer` (forever; its runner blocked on its full queue) ->
 *   `.map` making one tensor per example -> `batch` (4 tasks, all blocked on the full batch
 *   queue) -> `.map` stuck in user code (a call that has not settled: a hung fetch) -> a
 *   second `batch` with `enqueueMany` (2 tasks, each inside the stuck call) -> 2 consumers
 *   blocked on its empty queue.
 * - `all full`: the same first two stages -> a hand-made `QueueRunner` stage (2 tasks moving
 *   batches into a `FIFOQueue` of 4, all blocked on it once full) -> a consumer that stopped
 *   reading. Every task of every stage waits on a full queue.
 *
 * After each stop the trial checks what the contract promises: every thread dead, every queue
 * closed, the consumers released with `OutOfRangeError`, and, once the stuck calls return,
 * `tf.memory().numTensors` back where it started.
 *
 * Run: `npx tsx bench/stop-latency.ts [--trials 50] [--scenarios pending-map,all-full]`.
 */
import { parseArgs } from 'node:util';
import type { Tensor } from '@tensorflow/tfjs';
import {
  batch,
  Coordinator,
  FIFOQueue,
  OutOfRangeError,
  QueueRunner,
  QueueRunnerRegistry,
  rangeInputProducer,
  startQueueRunners,
  type EnqueueOp,
  type Thread,
} from './lib.js';
import { tf, type BackendName } from './lib.js';
import {
  backendArg,
  benchFlags,
  benchReport,
  describeMachine,
  intArg,
  listArg,
  median,
  percentile,
  runStandalone,
  startBench,
  textTable,
  type BenchCli,
  type BenchReport,
} from './bench-util.js';

/** The two pipelines a stop is timed on (see the file comment). */
export type StopScenario = 'pending-map' | 'all-full';

/** Every scenario, as `--scenarios` names them. */
const SCENARIOS: readonly StopScenario[] = ['pending-map', 'all-full'];

/** Floats per example row. */
const ROW = 8;
/** Stage 1: the producer's queue. */
const PRODUCER_CAPACITY = 64;
/** Stage 2: the first batcher. */
const BATCH1 = { batchSize: 10, numThreads: 4, capacity: 40 } as const;
/** Stage 3: the second batcher, or the runner's queue. */
const STAGE3_THREADS = 2;
const OUT_CAPACITY = 4;

/**
 * What one trial measured and found.
 *
 * @example
 * ```ts
 * const t: StopTrial = await stopTrial('pending-map');
 * t.joinMs; // e.g. 0.4
 * ```
 */
export interface StopTrial {
  readonly scenario: StopScenario;
  /** `requestStop()` to `join()` resolved, ms. */
  readonly joinMs: number;
  /** `requestStop()` to the last blocked consumer call settled, ms (NaN: none was blocked). */
  readonly releaseMs: number;
  /** Threads joined. */
  readonly threads: number;
  /** Threads still alive once `join` resolved (must be 0). */
  readonly aliveAfterJoin: number;
  /** Names of the pipeline's queues that were still open once `join` resolved (must be []). */
  readonly openQueues: string[];
  /** Blocked consumer calls, and how many of them ended with `OutOfRangeError`. */
  readonly consumers: number;
  readonly consumersOutOfRange: number;
  /** `tf.memory().numTensors` after the stuck calls returned, minus before the trial. */
  readonly tensorsLeft: number;
  /** Queue sizes when the stop was requested (stage 1, 2, 3): the pipeline was saturated. */
  readonly sizesAtStop: [number, number, number];
}

/** Resolves after the current macrotask turn. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `condition` every millisecond; fails after `ms`. */
async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`stop-latency: ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * A gate for calls stuck in user code: `wait(value)` resolves with `value` only once `open()`
 * is called; `pending` counts the calls waiting.
 */
class Gate {
  #open = false;
  #waiters: (() => void)[] = [];
  pending = 0;

  wait<T>(value: T): Promise<T> {
    if (this.#open) return Promise.resolve(value);
    this.pending++;
    return new Promise<T>((resolve) => {
      this.#waiters.push(() => {
        this.pending--;
        resolve(value);
      });
    });
  }

  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/**
 * Runs one trial of `scenario`: builds and starts the pipeline, waits until it is saturated,
 * requests the stop and times `join`, then checks threads, queues, consumers and tensors.
 *
 * @example
 * ```ts
 * const trial = await stopTrial('all-full');
 * if (trial.aliveAfterJoin > 0) throw new Error('threads survived the stop');
 * ```
 */
export async function stopTrial(scenario: StopScenario): Promise<StopTrial> {
  const before = tf.memory().numTensors;
  const registry = new QueueRunnerRegistry();
  const gate = new Gate();

  // Stage 1: forever, so input never ends by itself; one tensor per example (the pipeline's).
  const producer = rangeInputProducer(1000, { capacity: PRODUCER_CAPACITY, seed: 1, registry });
  const examples = producer.map((i): [Tensor, number] => [tf.fill([ROW], i), i]);
  // Stage 2: 4 tasks batching them.
  const batches = batch(examples, { ...BATCH1, registry });

  let stage3Queue: { readonly name: string; readonly size: number; readonly isClosed: boolean };
  let consumerCalls: Promise<unknown>[];
  const releasedAt: number[] = [];
  const track = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      (value) => {
        releasedAt.push(performance.now());
        return value;
      },
      (error: unknown) => {
        releasedAt.push(performance.now());
        throw error;
      },
    );

  if (scenario === 'pending-map') {
    // Stage 3: each task is inside a call that does not settle until the gate opens.
    const stuck = batches.map((b) => gate.wait(b));
    const rebatched = batch(stuck, {
      batchSize: 20,
      enqueueMany: true,
      numThreads: STAGE3_THREADS,
      capacity: OUT_CAPACITY * 10,
      registry,
    });
    stage3Queue = rebatched.queue;
    // Two consumers blocked on the empty last queue (no signal: the stop must release them).
    consumerCalls = [track(rebatched.dequeue()), track(rebatched.dequeue())];
  } else {
    const out = new FIFOQueue<[Tensor, Tensor]>({ capacity: OUT_CAPACITY });
    const move: EnqueueOp = async ({ signal }) => {
      const b = await batches.dequeue({ signal });
      try {
        await out.enqueue(b, { signal });
      } catch (error) {
        tf.dispose(b);
        throw error;
      }
    };
    registry.addQueueRunner(
      new QueueRunner({
        queue: out,
        enqueueOps: Array.from({ length: STAGE3_THREADS }, () => move),
      }),
    );
    stage3Queue = out;
    consumerCalls = [];
  }

  const coord = new Coordinator();
  const threads: Thread[] = startQueueRunners({ coord, registry });
  const settled = Promise.allSettled(consumerCalls);

  await until(
    () =>
      producer.queue.size === PRODUCER_CAPACITY &&
      batches.queue.size === BATCH1.capacity &&
      (scenario === 'pending-map'
        ? gate.pending === STAGE3_THREADS
        : stage3Queue.size === OUT_CAPACITY),
    'pipeline never saturated',
  );
  // Let every task reach its blocking call.
  await tick();
  const sizesAtStop: [number, number, number] = [
    producer.queue.size,
    batches.queue.size,
    stage3Queue.size,
  ];

  const t0 = performance.now();
  coord.requestStop();
  await coord.join(threads, { stopGracePeriodMs: 10_000 });
  const joinMs = performance.now() - t0;

  const aliveAfterJoin = threads.filter((t) => t.isAlive()).length;
  const openQueues = [producer.queue, batches.queue, stage3Queue]
    .filter((q) => !q.isClosed)
    .map((q) => q.name);
  const outcomes = await settled;
  const releaseMs = releasedAt.length === 0 ? Number.NaN : Math.max(...releasedAt) - t0;
  const consumersOutOfRange = outcomes.filter(
    (r) => r.status === 'rejected' && r.reason instanceof OutOfRangeError,
  ).length;

  // The stuck calls return now; their results must be discarded and disposed.
  gate.open();
  await tick();
  await tick();
  return {
    scenario,
    joinMs,
    releaseMs,
    threads: threads.length,
    aliveAfterJoin,
    openQueues,
    consumers: consumerCalls.length,
    consumersOutOfRange,
    tensorsLeft: tf.memory().numTensors - before,
    sizesAtStop,
  };
}

/**
 * Options of {@link runStopLatency}.
 *
 * @example
 * ```ts
 * await runStopLatency({ trials: 100 });
 * ```
 */
export interface StopLatencyOptions {
  /** Measured trials per scenario. Default 50. */
  readonly trials: number;
  /** Unmeasured trials per scenario first. Default 3. */
  readonly warmup: number;
  /** Scenarios run. Default both. */
  readonly scenarios: readonly StopScenario[];
  /** tfjs backend. Default 'cpu'. */
  readonly backend: BackendName;
  /** Progress lines while running. Default false (true when run standalone). */
  readonly verbose: boolean;
}

const DEFAULTS: StopLatencyOptions = {
  trials: 50,
  warmup: 3,
  scenarios: ['pending-map', 'all-full'],
  backend: 'cpu',
  verbose: false,
};

/** Target of issue 5, item 3: the median stop (requestStop to join resolved) below this. */
const TARGET_MEDIAN_MS = 50;

/**
 * Times `requestStop()` -> `join()` over many trials of each scenario, interleaved, and
 * checks every trial's aftermath; returns median / p90 / max per scenario.
 *
 * @example
 * ```ts
 * const { table } = await runStopLatency({ trials: 50 });
 * console.log(table);
 * ```
 */
export async function runStopLatency(
  options: Partial<StopLatencyOptions> = {},
): Promise<BenchReport> {
  const o: StopLatencyOptions = { ...DEFAULTS, ...options };
  const { machine } = await startBench(o);
  const trials = new Map<StopScenario, StopTrial[]>(o.scenarios.map((s) => [s, []]));
  for (let i = 0; i < o.warmup + o.trials; i++) {
    for (const scenario of o.scenarios) {
      const t = await stopTrial(scenario);
      if (i >= o.warmup) trials.get(scenario)?.push(t);
    }
    if (o.verbose && (i + 1) % 10 === 0) console.log(`  ${i + 1} / ${o.warmup + o.trials}`);
  }

  const fmt = (ms: number): string => (Number.isNaN(ms) ? '-' : ms.toFixed(2));
  const summaries = o.scenarios.map((scenario) => {
    const ts = trials.get(scenario) ?? [];
    const join = ts.map((t) => t.joinMs);
    const release = ts.map((t) => t.releaseMs).filter((x) => !Number.isNaN(x));
    const clean = ts.filter(
      (t) =>
        t.aliveAfterJoin === 0 &&
        t.openQueues.length === 0 &&
        t.tensorsLeft === 0 &&
        t.consumersOutOfRange === t.consumers,
    ).length;
    return {
      scenario,
      trials: ts.length,
      threads: ts[0]?.threads ?? 0,
      joinMedianMs: median(join),
      joinP90Ms: percentile(join, 90),
      joinMaxMs: Math.max(...join),
      releaseMedianMs: median(release),
      releaseMaxMs: release.length === 0 ? Number.NaN : Math.max(...release),
      clean,
      sizesAtStop: ts[0]?.sizesAtStop,
    };
  });
  const table = textTable(
    [
      'scenario',
      'trials',
      'threads',
      'join median ms',
      'p90 ms',
      'max ms',
      'consumers released median / max ms',
      'clean trials',
    ],
    summaries.map((s) => [
      s.scenario,
      String(s.trials),
      String(s.threads),
      fmt(s.joinMedianMs),
      fmt(s.joinP90Ms),
      fmt(s.joinMaxMs),
      `${fmt(s.releaseMedianMs)} / ${fmt(s.releaseMaxMs)}`,
      `${s.clean} / ${s.trials}`,
    ]),
  );
  const targetMet = summaries.every((s) => s.joinMedianMs < TARGET_MEDIAN_MS);
  const allClean = summaries.every((s) => s.clean === s.trials);
  const notes = [
    'join: coord.requestStop() to coord.join(threads) resolved, with every task blocked ' +
      '(queue sizes at the stop: ' +
      summaries.map((s) => `${s.scenario} ${s.sizesAtStop?.join('/') ?? '-'}`).join(', ') +
      `; capacities ${PRODUCER_CAPACITY}/${BATCH1.capacity}/${OUT_CAPACITY * 10} and ` +
      `${PRODUCER_CAPACITY}/${BATCH1.capacity}/${OUT_CAPACITY}).`,
    'clean: every thread dead and every queue closed when join resolved, every blocked consumer ' +
      'released with OutOfRangeError, numTensors back to its start once the stuck calls returned.',
    `target (median < ${TARGET_MEDIAN_MS} ms): ${targetMet ? 'MET' : 'NOT MET'}; ` +
      `every trial clean: ${allClean ? 'yes' : 'NO'}`,
  ];
  return benchReport(machine, {
    title: `stop latency: requestStop() -> join() of a saturated 3-stage pipeline, ${o.trials} trials per scenario`,
    table: `${describeMachine(machine)}\n\n${table}\n${notes.join('\n')}`,
    data: {
      config: o,
      summaries,
      trials: Object.fromEntries(trials),
      targetMet,
      allClean,
    },
  });
}

function parseCli(): BenchCli<StopLatencyOptions> {
  const { values } = parseArgs({
    options: {
      ...benchFlags(DEFAULTS.backend),
      trials: { type: 'string', default: String(DEFAULTS.trials) },
      warmup: { type: 'string', default: String(DEFAULTS.warmup) },
      scenarios: { type: 'string', default: DEFAULTS.scenarios.join(',') },
    },
    strict: true,
  });
  return {
    options: {
      trials: intArg('trials', values.trials, 1),
      warmup: intArg('warmup', values.warmup, 0),
      scenarios: listArg('scenarios', values.scenarios, SCENARIOS),
      backend: backendArg(values.backend),
      verbose: true,
    },
    json: values.json,
  };
}

await runStandalone(import.meta.url, parseCli, runStopLatency);
