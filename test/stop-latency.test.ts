import { describe, expect, it, jest } from '@jest/globals';
import { stopTrial, type StopScenario } from '../bench/stop-latency.js';

// A few trials of the stop-latency benchmark's scenarios (bench/stop-latency.ts), with a
// generous bound: a stop that waits for anything (a timer, a stuck call, a full queue) fails.
jest.setTimeout(30000);

const TRIALS = 5;
const BOUND_MS = 1000;

describe('requestStop() on a saturated 3-stage pipeline', () => {
  it.each<StopScenario>(['pending-map', 'all-full'])(
    '%s: join resolves promptly, every thread dead, every queue closed, nothing leaked',
    async (scenario) => {
      for (let i = 0; i < TRIALS; i++) {
        const t = await stopTrial(scenario);
        expect(t.sizesAtStop[0]).toBe(64);
        expect(t.sizesAtStop[1]).toBe(40);
        expect(t.threads).toBe(7);
        expect(t.joinMs).toBeLessThan(BOUND_MS);
        expect(t.aliveAfterJoin).toBe(0);
        expect(t.openQueues).toEqual([]);
        expect(t.consumersOutOfRange).toBe(t.consumers);
        expect(t.tensorsLeft).toBe(0);
        if (scenario === 'pending-map') {
          // Two consumers were blocked on the empty last queue, and the stop released them.
          expect(t.consumers).toBe(2);
          expect(t.releaseMs).toBeLessThan(BOUND_MS);
        } else {
          expect(t.sizesAtStop[2]).toBe(4);
        }
      }
    },
  );
});
