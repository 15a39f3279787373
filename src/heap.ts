/**
 * How far this process's JavaScript heap may grow past its live data before V8 collects it in full.
 *
 * V8 lets the old generation grow to up to 4 times what survived the last full collection when the heap limit is
 * large (as it is on a 64-bit machine with memory): a harvest, which promotes a page's records as it maps and
 * writes them, ended with ~130 MB of heap for ~40 MB live, and the hub on the embedded store peaked at 540–570 MB
 * (bench/harvest, N=10000). `--heap-growing-percent` fixes that factor; V8 reads it at every collection, so it
 * can be set once the process runs, here rather than on node's command line (which `npm start`, `npx moisson`
 * and a service manager would each have to repeat). 100 % (the heap may double): on a 2-core machine a first
 * harvest's peak 356–388 MB against 472–496 with V8's rule, and 20–30 % faster than at 30 %, the default before
 * (341–353 MB; a full collection every ~120 ms, whose marking kept V8's background threads as busy as the main
 * thread) (README, Benchmarks). 0 leaves V8's own rule.
 */
import v8 from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/** Whether node's command line gave the option (NODE_OPTIONS may not): it wins over the configuration. */
function givenToNode(): boolean {
  return process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
}

/** Applies HEAP_GROWING_PERCENT to this process; returns the percent it set (0: none, V8 or node's own option rules). */
export function applyHeapGrowing(percent = DEFAULT_HEAP_GROWING_PERCENT): number {
  if (givenToNode() || percent <= 0) return 0;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
