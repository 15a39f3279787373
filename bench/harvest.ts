/**
 * bench/harvest: end-to-end CSW harvest throughput into the store and the search outbox.
 *
 *   npm run bench:harvest                 (N=10000; N=… to change; DATABASE_URL=… to also run on PostgreSQL, in a
 *                                          process of its own; STORES=pg or STORES=pglite for one store;
 *                                          CHANGED=… records revised upstream before the last run, default N/100;
 *                                          EXPOSE_GC=1 for the heap left after each run; RUNNER_NODE_OPTIONS=… for
 *                                          node's options in the harvester process, such as --cpu-prof;
 *                                          HEAP_SAMPLES=file.heapprofile for the first harvest's promoted allocations
 *                                          (HEAP_SAMPLES_KIND=all: every allocation), see harvest-runner.mjs;
 *                                          PGLITE_SHARED_BUFFERS=… MB and HEAP_GROWING_PERCENT=…, as for the hub)
 *
 * A local CSW server (bench/lib/csw-server.ts) pages through N ISO 19139 records cloned from the real fixture
 * records; it runs in a child process, as a real upstream catalogue runs on another machine. The harvester runs
 * in another (bench/lib/harvest-runner.mjs), which loads the hub's code as the `moisson` command does: from
 * dist/ when it is current, through tsx otherwise (the line "harvester:" says which); so the peak RSS printed
 * per run is the harvester's alone, without this script's tsx (the server's is printed apart). Printed side by side: the baseline
 * (the same pages fetched and split by plain HTTP, no mapping, no store), the first harvest, a second full
 * re-listing of the unchanged catalogue, an incremental one with nothing changed upstream, and an incremental one
 * after CHANGED records were revised upstream; records/s, requests, outbox rows, peak RSS (the mapping worker
 * threads' included, when HARVEST_WORKERS starts some: by default the cores but two). Each store gets its own server, so
 * revisions made for one store are not seen by the next.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkBenchCsw, type RemoteBenchCsw } from './lib/csw-server-process.ts';
import { ipcCaller } from './lib/ipc.ts';
// @ts-expect-error: plain JavaScript without declarations
import { launchEnv } from '../scripts/launch.mjs';
import type { StoreOptions } from '../src/store/db.ts';
import type { SourceDef } from '../src/store/sources.ts';
import type { RunCounts } from '../src/store/runs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const N = Number(process.env.N ?? 10_000);
const PAGE = Number(process.env.PAGE ?? 100);
const CHANGED = Number(process.env.CHANGED ?? Math.max(1, Math.round(N / 100)));
/** One ISO record per root element, whatever its prefix (gmd:MD_Metadata, gmi:MI_Metadata, che:CHE_MD_Metadata). */
const ISO_ROOT = /<(?:\w+:)?(?:\w+_)?M[DI]_Metadata[\s>]/g;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/**
 * The baseline's records/s, which each run's is printed against: machines differ by two or three times in what
 * crosses their network stack, the share of the baseline much less (0.09-0.12 for a first harvest on PGlite on
 * two machines whose baselines were 2,500 and 6,000 records/s).
 */
let baselineRate = 0;

/** Baseline: fetch every page over HTTP and count the records, nothing else. */
async function baseline(url: string): Promise<number> {
  const started = performance.now();
  let count = 0;
  for (let start = 1; start <= N; start += PAGE) {
    const res = await fetch(`${url}?service=CSW&version=2.0.2&request=GetRecords&startPosition=${start}&maxRecords=${PAGE}`);
    const text = await res.text();
    count += text.match(ISO_ROOT)?.length ?? 0;
  }
  const s = (performance.now() - started) / 1000;
  baselineRate = count / s;
  console.log(`  baseline: fetch ${count} records, no mapping/store   ${(count / s).toFixed(0).padStart(6)} records/s  ${s.toFixed(1)} s`);
  return count;
}

/** What the runner reports of one harvest. */
interface RunResult {
  seconds: number;
  /** CPU time of the harvester process during the run, all its threads, user + system. */
  cpuSeconds: number;
  /** The same, of its main thread alone (Linux), which a first harvest keeps busiest. */
  mainCpuSeconds?: number;
  /** The main thread's garbage collections during the run: full (mark-compact) and young, and their pauses. */
  gc: { full: number; young: number; pausedSeconds: number };
  counts: RunCounts;
  complete: boolean;
  incremental: boolean;
  outbox: number;
  maxRss: number;
  heapAfterGc?: number;
}

/** The harvester process (bench/lib/harvest-runner.mjs) and a call into it. */
interface Runner {
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

async function startRunner(): Promise<Runner> {
  // Plain node: no tsx of this process (the runner registers it itself when dist/ is not current).
  // EXPOSE_GC=1: the heap in use after each run, once garbage is collected; RUNNER_NODE_OPTIONS: node's options
  // for the harvester (e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof').
  const execArgv = [...(process.env.EXPOSE_GC === '1' ? ['--expose-gc'] : []), ...(process.env.RUNNER_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [])];
  // The environment `moisson` gives the hub (scripts/launch.mjs: glibc's malloc tuned), the line `harvester:` says it.
  const child: ChildProcess = fork(path.join(root, 'bench', 'lib', 'harvest-runner.mjs'), [], {
    cwd: root,
    env: launchEnv(process.env),
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill();
  process.once('exit', kill);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the harvester process exited with code ${code}`)));
  });
  const send = ipcCaller<Record<string, unknown>, { id: number; ok: boolean; result?: unknown; error?: string }>(child, 'the harvester process');
  return {
    call: async <T>(op: string, args: Record<string, unknown> = {}) => {
      const m = await send({ op, ...args });
      if (!m.ok) throw new Error(`in the harvester process: ${m.error}`);
      return m.result as T;
    },
    close: async () => {
      process.off('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.disconnect();
        await exited;
      }
    },
  };
}

async function timedRun(runner: Runner, source: SourceDef, server: RemoteBenchCsw, label: string): Promise<void> {
  const before = (await server.stats()).requests;
  const r = await runner.call<RunResult>('run', { source });
  const requests = (await server.stats()).requests - before;
  const c = r.counts;
  const rate = c.seen / r.seconds;
  const cpu = c.seen > 0 ? `  CPU ${r.cpuSeconds.toFixed(1)} s (${((r.cpuSeconds * 1000) / c.seen).toFixed(2)} ms/record` +
    `${r.mainCpuSeconds === undefined ? '' : `, main thread ${r.mainCpuSeconds.toFixed(1)} s`})` +
    `  GC ${r.gc.full} full ${r.gc.young} young, ${r.gc.pausedSeconds.toFixed(1)} s paused` : '';
  console.log(`  ${label.padEnd(48)} ${rate.toFixed(0).padStart(6)} records/s  ${r.seconds.toFixed(1)} s${cpu}  ` +
    `(${baselineRate > 0 ? (rate / baselineRate).toFixed(2) : '?'} of the baseline)  requests ${requests}  ` +
    `seen ${c.seen} new ${c.new} changed ${c.changed} unchanged ${c.unchanged} failed ${c.failed}  ` +
    `outbox ${r.outbox}  ${r.complete ? 'complete' : r.incremental ? 'incremental' : 'incomplete'}  peak RSS ${mb(r.maxRss)}` +
    (r.heapAfterGc === undefined ? '' : `  heap after GC ${mb(r.heapAfterGc)}`));
}

async function benchStore(name: string, options: StoreOptions): Promise<void> {
  console.log(`store: ${name}`);
  const server = await forkBenchCsw(fixtures, N);
  try {
    const runner = await startRunner();
    try {
      const opened = await runner.call<{ code: string; workers: number; memory: string; glibcTunables?: string }>('open', { options });
      console.log(`  harvester: ${opened.code === 'dist' ? 'dist/ (built, as `moisson` runs it)' : 'the sources through tsx (dist/ is not current: npm run build)'}, ` +
        `mapping in ${opened.workers === 0 ? 'its main thread' : `${opened.workers} worker thread(s)`} (HARVEST_WORKERS), ` +
        `${opened.memory}, ` +
        `GLIBC_TUNABLES=${opened.glibcTunables || '(none)'}`);
      try {
        await harvests(runner, server);
      } finally {
        await runner.call('close', { drop: options.schema });
      }
    } finally {
      await runner.close();
    }
    await serverLine(server);
  } finally {
    await server.close();
  }
}

/** The four runs on one store: first, full re-listing, incremental with nothing changed, incremental after CHANGED revisions. */
async function harvests(runner: Runner, server: RemoteBenchCsw): Promise<void> {
  const source: SourceDef = { id: 'bench', type: 'csw', url: server.url, enabled: true, options: { pageSize: PAGE, rateLimit: 1000 } };
  await runner.call('put', { source });
  await timedRun(runner, source, server, 'first harvest');
  await timedRun(runner, { ...source, options: { ...source.options, incremental: false } }, server, 'second harvest, full re-listing, unchanged');
  await timedRun(runner, source, server, 'third harvest, incremental, nothing changed');
  const touched = await server.touch(CHANGED);
  await timedRun(runner, source, server, `fourth harvest, incremental, ${touched} revised`);
}

/** What the server child did: requests answered and its own peak RSS. */
async function serverLine(server: RemoteBenchCsw): Promise<void> {
  const st = await server.stats();
  console.log(`  CSW server (child process): ${st.requests} requests, peak RSS ${mb(st.maxRss)}`);
}

// Peak RSS is a process's high-water mark: with both stores asked for (the default when DATABASE_URL is set),
// each runs in its own process, so that PostgreSQL's figures do not carry PGlite's (its WebAssembly memory).
const stores = (process.env.STORES ?? (process.env.DATABASE_URL ? 'pglite,pg' : 'pglite')).split(',').map((s) => s.trim());
if (stores.length > 1) {
  for (const store of stores) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: { ...process.env, STORES: store }, stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}

console.log(`bench/harvest: N=${N} ISO 19139 records, ${PAGE} per page, node ${process.version}, ${os.cpus().length} cores`);
const server = await forkBenchCsw(fixtures, N);
try {
  await baseline(server.url);
  await serverLine(server);
} finally {
  await server.close();
}
if (stores.includes('pglite')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-bench-'));
  try {
    await benchStore('PGlite (embedded, on disk)', { dataDir: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (process.env.DATABASE_URL && stores.includes('pg')) {
  await benchStore('PostgreSQL', { databaseUrl: process.env.DATABASE_URL, schema: `bench_${Date.now()}` });
}
