import { InvalidArgumentError } from '../src/errors.js';
import type { Source } from '../src/source.js';
import { invalidArgument } from '../src/validate.js';

/** Checks the source list of a `*Join` batcher: a non-empty array. */
export function joinSources<E>(sources: readonly Source<E>[]): readonly Source<E>[] {
  const given: unknown = sources;
  if (!Array.isArray(given)) {
    throw invalidArgument('sources', 'an array of sources', sources);
  }
  if (sources.length === 0) {
    throw new InvalidArgumentError(
      'Expected `sources` to hold at least one source, got an empty array',
    );
  }
  return sources;
}
