import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const workload = path.join(import.meta.dirname, 'helpers', 'heap-workload.ts');
const pretenuringWorkload = path.join(import.meta.dirname, 'helpers', 'pretenuring-workload.ts');

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

describe('V8 pretenuring off (src/heap.ts, stopPretenuring)', () => {
  function runPretenuring(env: Record<string, string>, nodeArgs: string[] = []): { stopped: boolean; oldSpaceGrowth: number } {
    const { NODE_OPTIONS: _, ...base } = process.env;
    // 1 MB semi-spaces: V8 decides to tenure a site at a young collection of a young generation at its largest,
    // which a small one reaches at once (with node's default of 16 MB, in some runs only).
    const args = ['--max-semi-space-size=1', ...nodeArgs, '--import', 'tsx', pretenuringWorkload];
    const r = spawnSync(process.execPath, args, { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`workload failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const MB = 1024 * 1024;

  it('keeps short-lived objects in the young generation after their allocation site once made survivors', () => {
    const v8Rule = runPretenuring({});
    const hub = runPretenuring({ PRETENURING: 'hub' });
    expect([v8Rule.stopped, hub.stopped]).toEqual([false, true]);
    // V8 tenured the site: millions of short-lived objects went to the old space (100–283 MB in 26 runs); off,
    // under 1 MB (13 runs).
    expect(v8Rule.oldSpaceGrowth).toBeGreaterThan(30 * MB);
    expect(hub.oldSpaceGrowth).toBeLessThan(10 * MB);
  });

  it('leaves the setting to node\'s command line when it gives one', () => {
    const given = runPretenuring({ PRETENURING: 'hub' }, ['--allocation-site-pretenuring']);
    expect(given.stopped).toBe(false);
    expect(given.oldSpaceGrowth).toBeGreaterThan(30 * MB);
  });
});
