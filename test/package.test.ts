import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('the packed package', () => {
  it('installs into an empty folder next to @tensorflow/tfjs and runs a pipeline', async () => {
    const { stdout } = await run('bash', ['scripts/pack-check.sh'], { timeout: 170_000 });
    expect(stdout.trim().split('\n').at(-1)).toBe(
      'packed queuefeed works: batches 4,4,2, tensors left 0',
    );
  }, 180_000);
});
