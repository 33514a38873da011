import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../cli/main.js';
import type { TrainReport } from '../cli/report.js';
import { makeTempDir, writeMnistSplit } from './helpers/idx-files.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs `main` in this process, capturing what it prints. */
async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

describe('queuefeed train option validation', () => {
  it.each([
    [['--epochs', '0'], "'--epochs <n>'", "'0'"],
    [['--epochs', '1.5'], "'--epochs <n>'", "'1.5'"],
    [['--batch-size', 'ten'], "'--batch-size <n>'", "'ten'"],
    [['--threads', '-1'], "'--threads <n>'", "'-1'"],
    [['--workers', '-1'], "'--workers <n>'", "'-1'"],
    [['--capacity', '0'], "'--capacity <n>'", "'0'"],
    [['--log-every', '0'], "'--log-every <n>'", "'0'"],
    [['--seed', '4.2'], "'--seed <n>'", "'4.2'"],
    [['--method', 'x'], "'--method <method>'", "'x'"],
    [['--model', 'cnn'], "'--model <kind>'", "'cnn'"],
    [['--backend', 'gpu'], "'--backend <name>'", "'gpu'"],
  ])(
    'rejects %j with exit code 2, naming the option and the value',
    async (args, option, value) => {
      const { code, err } = await runMain(['train', ...args]);
      expect(code).toBe(2);
      expect(err).toContain(option);
      expect(err).toContain(value);
    },
  );

  it('rejects a missing --data directory with exit code 2', async () => {
    const { code, err } = await runMain(['train', '--data', '/nonexistent/queuefeed-data']);
    expect(code).toBe(2);
    expect(err).toContain('--data');
    expect(err).toContain('/nonexistent/queuefeed-data');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const { code, err } = await runMain(['train', '--epoch', '3']);
    expect(code).toBe(2);
    expect(err).toContain('--epoch');
  });

  it('prints help with exit code 0', async () => {
    const { code, out } = await runMain(['train', '--help']);
    expect(code).toBe(0);
    for (const option of ['--method', '--epochs', '--capacity', '--data', '--json']) {
      expect(out).toContain(option);
    }
    expect(out).not.toContain('--child');
  });
});

describe('queuefeed train (child processes)', () => {
  let dir: string;
  let cleanup: () => void;

  beforeAll(() => {
    ({ dir, cleanup } = makeTempDir('queuefeed-cli-'));
    const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 10);
    writeMnistSplit(dir, 'train', { rows: 28, cols: 28, labels: labels(300), gzip: true });
    writeMnistSplit(dir, 't10k', { rows: 28, cols: 28, labels: labels(100), gzip: true });
  });
  afterAll(() => cleanup());

  it('trains with both methods and prints and writes the comparison', async () => {
    const json = join(dir, 'result.json');
    const args = [
      'cli/queuefeed.ts',
      'train',
      '--epochs',
      '1',
      '--data',
      dir,
      '--method',
      'both',
      '--log-every',
      '5',
      '--json',
      json,
      '--backend',
      'cpu',
    ];
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((done) => {
      execFile(TSX, args, { cwd: ROOT }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      });
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

    expect(stdout).toContain(`data: MNIST-format data in \`${dir}\``);
    expect(stdout).toContain('generator: backend cpu');
    expect(stdout).toContain('queue: backend cpu');
    expect(stdout).toMatch(/^step 0, training accuracy \d\.\d{4}$/m);
    expect(stdout).toMatch(/^Done training$/m);
    expect(stdout).toMatch(
      /^method\s+backend\s+epochs\s+wall s\s+s\/epoch\s+examples\/s\s+peak RSS MB\s+held-out acc\s+tensors start\/end$/m,
    );
    expect(stdout).toMatch(
      /^generator\s+cpu\s+1\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+[\d.]+\s+\d+\/\d+$/m,
    );
    expect(stdout).toMatch(/^queue\s+cpu\s+1\s+[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+[\d.]+\s+\d+\/\d+$/m);
    expect(stdout).toMatch(
      /^queue\/generator: wall x[\d.]+, s\/epoch x[\d.]+, examples\/s x[\d.]+, peak RSS x[\d.]+$/m,
    );

    const report = JSON.parse(readFileSync(json, 'utf8')) as TrainReport;
    expect(report.results.map((r) => r.method)).toEqual(['generator', 'queue']);
    for (const r of report.results) {
      expect(r).toMatchObject({ epochs: 1, backend: 'cpu', model: 'softmax', batchSize: 100 });
      expect(r.tensorsAtEnd).toBe(r.tensorsAtStart);
      expect(r.rssPerEpochMb).toHaveLength(1);
      expect(r.peakRssMb).toBeGreaterThan(0);
      expect(r.heldOutAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.heldOutAccuracy).toBeLessThanOrEqual(1);
    }
    const [generator, queue] = report.results;
    expect(generator?.steps).toBe(Math.floor(300 / 100));
    expect(queue?.steps).toBe(Math.ceil(300 / 100));
    expect(queue?.examples).toBe(300);
    expect(report.ratio).not.toBeNull();
    expect(report.ratio?.wall).toBeCloseTo(
      (queue?.wallSeconds ?? 0) / (generator?.wallSeconds ?? 1),
    );
  }, 60_000);

  it('--workers 1 gathers on a worker thread and trains on exactly the same batches', async () => {
    const run = async (workers: string): Promise<TrainReport> => {
      const json = join(dir, `workers-${workers}.json`);
      const args = [
        'cli/queuefeed.ts',
        'train',
        '--epochs',
        '2',
        '--data',
        dir,
        '--method',
        'queue',
        '--workers',
        workers,
        '--json',
        json,
        '--backend',
        'cpu',
      ];
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
        execFile(TSX, args, { cwd: ROOT }, (error, _stdout, stderr) => {
          done({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
            stderr,
          });
        });
      });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      return JSON.parse(readFileSync(json, 'utf8')) as TrainReport;
    };
    const [onWorker, onMain] = await Promise.all([run('1'), run('0')]);
    expect(onWorker.settings.workers).toBe(1);
    expect(onMain.settings.workers).toBe(0);
    const [w] = onWorker.results;
    const [m] = onMain.results;
    expect(w).toMatchObject({ method: 'queue', steps: 6, examples: 600 });
    expect(w?.heldOutAccuracy).toBe(m?.heldOutAccuracy);
    expect(w?.tensorsAtEnd).toBe(w?.tensorsAtStart);
  }, 60_000);
});
