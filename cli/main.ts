import { Command, CommanderError } from 'commander';
import { CliError, USAGE_EXIT_CODE } from './options.js';
import { trainCommand } from './train-command.js';

/**
 * Where {@link main} writes commander's help and error messages.
 *
 * @example
 * ```ts
 * const io: MainOutput = { writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) };
 * ```
 */
export interface MainOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processOutput: MainOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/**
 * Builds the `queuefeed` program: the `train` command, with help and usage errors going to
 * `output` and thrown as `CommanderError` instead of exiting the process.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(['train', '--epochs', '1'], { from: 'user' });
 * ```
 */
export function createProgram(output: MainOutput = processOutput): Command {
  const program = new Command('queuefeed')
    .description("TensorFlow 1's queue input pipeline for TensorFlow.js: training and measurements")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.writeOut(text),
      writeErr: (text) => output.writeErr(text),
    })
    .showHelpAfterError('(add --help for the options)');
  // addCommand does not copy the settings above (exitOverride, output) by itself.
  program.addCommand(trainCommand().copyInheritedSettings(program));
  return program;
}

/**
 * Runs the `queuefeed` command line (`args` without `node` and the script) and returns the
 * exit code: 0 success, 1 failure, 2 bad option or value (the message names the option).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * await main(['train', '--epochs', '0']); // 2, after "error: option '--epochs <n>' argument '0' is invalid..."
 * ```
 */
export async function main(
  args: readonly string[],
  output: MainOutput = processOutput,
): Promise<number> {
  try {
    await createProgram(output).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message; help and version end with 0, usage errors with 2.
      return e.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    if (e instanceof CliError) {
      output.writeErr(`error: ${e.message}\n`);
      return e.exitCode;
    }
    output.writeErr(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
