import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const workload = path.join(import.meta.dirname, 'helpers', 'heap-workload.ts');

/** Runs the workload in a fresh node with the given environment. */
function run(env: Record<string, string>, nodeArgs: string[] = []): { set: number; peakOldSpace: number } {
  const { NODE_OPTIONS: _, HEAP_GROWING_PERCENT: __, ...base } = process.env;
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', workload], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`workload failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('HEAP_GROWING_PERCENT (src/heap.ts)', () => {
  it('keeps the old generation close to its live data, where V8 alone lets it grow far past it', () => {
    const v8Rule = run({});
    const tight = run({ HEAP_GROWING_PERCENT: '10' });
    expect([v8Rule.set, tight.set]).toEqual([0, 10]);
    // ~60 MB live: V8's own rule let the old space reach well over 1.5 times the peak it reaches at 10 %.
    expect(v8Rule.peakOldSpace).toBeGreaterThan(1.5 * tight.peakOldSpace);
  });

  it('leaves node\'s own option alone when its command line gives it, and sets nothing at 0', () => {
    expect(run({ HEAP_GROWING_PERCENT: '10' }, ['--heap-growing-percent=50']).set).toBe(0);
    expect(run({ HEAP_GROWING_PERCENT: '0' }).set).toBe(0);
  });
});
