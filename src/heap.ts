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

const GROWING_OPTION = /^--heap[-_]growing[-_]percent\b/;
const PRETENURING_OPTION = /^--(no-)?allocation[-_]site[-_]pretenuring\b/;

/** Node's command-line option matching `option`, if given (NODE_OPTIONS may not give these): it wins. */
function givenToNode(option: RegExp): string | undefined {
  return process.execArgv.find((a) => option.test(a));
}

/** What this process set (applyHeapGrowing, stopPretenuring), for heapSettings. */
const applied = { growing: 0, pretenuringOff: false };

/** Applies HEAP_GROWING_PERCENT to this process; returns the percent it set (0: none, V8 or node's own option rules). */
export function applyHeapGrowing(percent = DEFAULT_HEAP_GROWING_PERCENT): number {
  if (givenToNode(GROWING_OPTION) || percent <= 0) return 0;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied.growing = percent;
  return percent;
}

/** The heap settings in force in this process and who chose them, in a line (`moisson check` prints it). */
export function heapSettings(): string {
  const growingOption = givenToNode(GROWING_OPTION);
  const growing = growingOption ? `${growingOption} (node's command line)`
    : applied.growing > 0 ? `heap growing ${applied.growing} % (HEAP_GROWING_PERCENT)` : 'heap growing as V8 decides (HEAP_GROWING_PERCENT=0)';
  const pretenuringOption = givenToNode(PRETENURING_OPTION);
  const pretenuring = pretenuringOption ? `${pretenuringOption} (node's command line)`
    : applied.pretenuringOff ? 'pretenuring off' : 'pretenuring on (V8\'s default)';
  return `${growing}, ${pretenuring}`;
}

/**
 * Turns V8's allocation-site pretenuring off for this process (every thread: V8's flags are the process's),
 * unless node's command line says `--allocation-site-pretenuring` or `--no-allocation-site-pretenuring` itself;
 * returns whether it did.
 *
 * V8 counts, per allocation site (an object or array literal in the code), how many of its objects survive a
 * young collection, and past 85 % allocates that site's objects straight in the old generation from then on,
 * where only a full collection frees them. In a harvest the sites that build a record's element tree (saxes' tags,
 * the tree's elements and their arrays) look long-lived whenever a young collection falls while a page's records
 * are read, and V8 tenured hundreds of sites per first harvest (`--trace-pretenuring-statistics`): depending on
 * which ones, from one run to the next, the same harvest ran ~37 or ~70 full collections and paused 1.4–2.0 or
 * 3.7–4.8 s. Off: 36–38 in every run, and 690–804 records/s against 439–645 at the same commit (bench/harvest,
 * N=10000, PGlite, alternated; README, Benchmarks). The hub's long-lived data (caches, the catalogue's pieces)
 * only takes one more young collection to reach the old generation.
 */
export function stopPretenuring(): boolean {
  if (givenToNode(PRETENURING_OPTION)) return false;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  applied.pretenuringOff = true;
  return true;
}

/**
 * What every `moisson` process sets before its work (the CLI's preAction hook, front processes, and the benchmarks
 * that start the hub's code without the CLI): pretenuring off, then HEAP_GROWING_PERCENT (undefined: the default).
 * Returns heapSettings().
 */
export function applyMemorySettings(heapGrowingPercent?: number): string {
  stopPretenuring();
  applyHeapGrowing(heapGrowingPercent);
  return heapSettings();
}
