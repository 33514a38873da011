import { expect } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';

/** Asserts that `fn` throws `InvalidArgumentError` with exactly `message` (or matching it). */
export function expectInvalid(fn: () => unknown, message: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidArgumentError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}
