// The harvester of bench/harvest, in a process of its own that loads the hub's code as `moisson` does
// (bin/moisson.js): from dist/ when it was built from the sources as they are, through tsx otherwise. Plain
// JavaScript, started by plain node: the bench's own tsx would otherwise count in the peak RSS it prints.
//
// IPC, one request at a time: { id, op, ... } -> { id, ok: true, result } | { id, ok: false, error }
//   open  { options }  opens the store (StoreOptions)          -> { code: 'dist' | 'sources', workers, memory, glibcTunables }
//   put   { source }   registers the source (SourceDef)        -> null
//   run   { source }   one harvest                             -> { seconds, cpuSeconds, mainCpuSeconds, gc, counts, complete, incremental, outbox, maxRss, heapAfterGc }
//   close { drop }     DROP SCHEMA drop CASCADE when set, then closes the store -> null
import { readFileSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runsFromDist } from '../../scripts/sources.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = runsFromDist(root);
if (!built) (await import('tsx/esm/api')).register();
/** A module of the hub by its source path, from dist/ or from the sources. */
const load = (file) => import(pathToFileURL(path.join(root, built ? path.join('dist', file.replace(/\.ts$/, '.js')) : file)).href);

const [{ openStore }, { putSource }, { runHarvest }, { harvestWorkers }, { outboxLag }, { applyMemorySettings }, { loadConfig }] = await Promise.all([
  load('src/store/db.ts'), load('src/store/sources.ts'), load('src/harvest/run.ts'),
  load('src/harvest/workers/index.ts'), load('src/store/outbox.ts'), load('src/heap.ts'), load('src/config.ts'),
]);

/**
 * CPU seconds of this process's main thread (user + system), from Linux's /proc (the main thread's task id is the
 * process id); undefined elsewhere. Node 20 has no per-thread CPU clock of its own.
 */
function mainThreadCpu() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces, in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
/** Linux's USER_HZ: /proc counts CPU time in 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * The main thread's garbage collections, counted by kind, and the time they paused it (node's 'gc' performance
 * entries). Far steadier from run to run than seconds on a shared machine: what a change to the harvest's
 * allocations did shows here first.
 */
const gcSeen = { full: 0, young: 0, pausedMs: 0 };
const gcObserver = new PerformanceObserver((list) => countGc(list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });
function countGc(entries) {
  for (const e of entries) {
    const kind = e.detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcSeen.full++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcSeen.young++;
    gcSeen.pausedMs += e.duration;
  }
}
function gcSince(before) {
  countGc(gcObserver.takeRecords());
  return { full: gcSeen.full - before.full, young: gcSeen.young - before.young, pausedSeconds: (gcSeen.pausedMs - before.pausedMs) / 1000 };
}

/**
 * HEAP_SAMPLES=file.heapprofile: the first harvest's allocations sampled by V8 (every 8 KB on average), by call
 * stack, written where Chrome's DevTools (Memory tab) or speedscope open them. HEAP_SAMPLES_KIND=promoted (the
 * default) keeps only objects that outlived a young collection: what the young generation copied and promoted, and
 * full collections then marked, the costliest part of a first harvest's memory work (split.ts's text window held
 * whole pages this way); HEAP_SAMPLES_KIND=all keeps every allocation.
 */
let heapSampled = false;
async function startHeapSampling() {
  const file = process.env.HEAP_SAMPLES;
  if (!file || heapSampled) return undefined;
  heapSampled = true;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  await post('HeapProfiler.startSampling', {
    samplingInterval: 8192, includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.HEAP_SAMPLES_KIND === 'all',
  });
  return {
    async stop() {
      const { profile } = await post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

let db;
const ops = {
  async open({ options }) {
    // As `moisson` does (src/cli.ts): the configuration read and checked from the environment, the memory settings
    // (src/heap.ts) applied before anything else, the embedded store's shared buffers (PGLITE_SHARED_BUFFERS) given
    // to the store.
    const config = loadConfig();
    const memory = applyMemorySettings(config.heapGrowingPercent);
    db = await openStore(config.pgliteSharedBuffers ? { ...options, pgliteSharedBuffersMb: config.pgliteSharedBuffers } : options);
    return { code: built ? 'dist' : 'sources', workers: harvestWorkers(), memory, glibcTunables: process.env.GLIBC_TUNABLES };
  },
  async put({ source }) {
    await putSource(db, source);
    return null;
  },
  async run({ source }) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const mainBefore = mainThreadCpu();
    countGc(gcObserver.takeRecords());
    const gcBefore = { ...gcSeen };
    const sampling = await startHeapSampling();
    const r = await runHarvest(db, source);
    const seconds = (performance.now() - started) / 1000;
    // CPU time of the whole process (every thread: the store's, V8's garbage collection threads), user + system.
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const mainAfter = mainThreadCpu();
    const mainCpuSeconds = mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore;
    const gc = gcSince(gcBefore);
    // Written once the run is measured: the profile's file is not the harvest's time.
    await sampling?.stop();
    // With node --expose-gc (EXPOSE_GC=1 in the bench): the heap still in use once the run is over.
    let heapAfterGc;
    if (globalThis.gc) {
      globalThis.gc();
      heapAfterGc = process.memoryUsage().heapUsed;
    }
    return {
      seconds, cpuSeconds, mainCpuSeconds, gc, counts: r.counts, complete: r.complete, incremental: r.incremental,
      outbox: await outboxLag(db), maxRss: process.resourceUsage().maxRSS * 1024, heapAfterGc,
    };
  },
  async close({ drop }) {
    if (drop) await db.query(`DROP SCHEMA ${drop} CASCADE`);
    await db.close();
    return null;
  },
};

process.on('message', (m) => {
  ops[m.op](m).then(
    (result) => process.send({ id: m.id, ok: true, result }),
    (err) => process.send({ id: m.id, ok: false, error: err?.stack ?? String(err) }),
  );
});
process.send({ ready: true });
