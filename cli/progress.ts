import { Presets, SingleBar } from 'cli-progress';

/**
 * How training progress is shown: a redrawn bar (terminals), a line per epoch (logs), or nothing.
 *
 * @example
 * ```ts
 * const mode: ProgressMode = process.stdout.isTTY ? 'bar' : 'lines';
 * ```
 */
export type ProgressMode = 'bar' | 'lines' | 'none';

/**
 * Where output goes: a stream such as `process.stdout`.
 *
 * @example
 * ```ts
 * const out: Output = process.stdout;
 * ```
 */
export type Output = NodeJS.WritableStream;

/**
 * What {@link Progress} needs to know before the first step.
 *
 * @example
 * ```ts
 * const plan: ProgressPlan = { label: 'queue', totalSteps: 2400, epochs: 30 };
 * ```
 */
export interface ProgressPlan {
  /** A short label, e.g. the method name. */
  label: string;
  /** Steps expected in the whole run. */
  totalSteps: number;
  epochs: number;
}

/**
 * Shows training progress with examples/s: a cli-progress bar when the output is a terminal,
 * one line per epoch otherwise, so that piped output stays readable. Log lines printed through
 * {@link Progress.log} do not break the bar.
 *
 * @example
 * ```ts
 * const progress = new Progress(process.stdout.isTTY ? 'bar' : 'lines', process.stdout, plan);
 * progress.step(steps, examples, epoch);
 * progress.log('step 0, training accuracy 0.1100');
 * progress.stop();
 * ```
 */
export class Progress {
  readonly #mode: ProgressMode;
  readonly #out: Output;
  readonly #plan: ProgressPlan;
  readonly #start = performance.now();
  readonly #bar: SingleBar | undefined;

  constructor(mode: ProgressMode, out: Output, plan: ProgressPlan) {
    this.#mode = mode;
    this.#out = out;
    this.#plan = plan;
    if (mode === 'bar') {
      this.#bar = new SingleBar(
        {
          stream: out,
          format: `${plan.label} [{bar}] {percentage}% | epoch {epoch}/${plan.epochs} | {value}/{total} steps | {rate} examples/s | ETA {eta_formatted}`,
          hideCursor: true,
          // Redraws happen inside update(): the generator loop never yields to timers.
          synchronousUpdate: true,
        },
        Presets.shades_classic,
      );
      this.#bar.start(plan.totalSteps, 0, { epoch: 1, rate: '-' });
    }
  }

  /** Seconds since the progress started. */
  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Records that `steps` steps and `examples` examples are done, now in epoch `epoch` (1-based). */
  step(steps: number, examples: number, epoch: number): void {
    if (this.#bar === undefined) return;
    const elapsed = this.elapsedSeconds;
    const rate = elapsed > 0 ? Math.round(examples / elapsed).toString() : '-';
    this.#bar.update(steps, { epoch: Math.min(epoch, this.#plan.epochs), rate });
  }

  /** Prints one line of log output. */
  log(line: string): void {
    if (this.#bar === undefined) {
      this.#out.write(`${line}\n`);
      return;
    }
    // Clear the bar's line, print, and save the cursor (ESC 7) on the line below: the bar
    // redraws there, and its stop() restores the saved position, which would otherwise be
    // where the bar started, above the lines printed since.
    this.#out.write(`\r\x1b[2K${line}\n\x1b7`);
  }

  /** Records the end of epoch `epoch` (1-based); in `lines` mode, prints a line about it. */
  epochEnd(epoch: number, examples: number, rssMb: number): void {
    if (this.#mode !== 'lines') return;
    const elapsed = this.elapsedSeconds;
    const rate = elapsed > 0 ? Math.round(examples / elapsed) : 0;
    this.log(
      `${this.#plan.label} epoch ${epoch}/${this.#plan.epochs}: ${elapsed.toFixed(1)} s, ${rate} examples/s, RSS ${rssMb.toFixed(0)} MB`,
    );
  }

  /** Removes the bar (if any); call once, when training ends. */
  stop(): void {
    this.#bar?.stop();
  }
}
