/**
 * bench/csw (issue 5): the publishers under load. For N published records (default 10,000 and 100,000), on
 * PGlite and, when DATABASE_URL is set, on PostgreSQL, a hub in a child process (bench/lib/hub-main.ts) serves
 * while wrk (bench/lib/wrk.ts: 32 connections, 2 threads) sends one kind of request for a few seconds each; the
 * script prints requests/s and p50 / p95 / p99 latency of each kind next to two floors: the same HTTP stack's
 * /healthz, and the bytes of the first GetRecords page served static by plain node:http (what moving those
 * answers costs on this machine).
 *
 *   N=10000,100000 SECONDS=10 WARMUP_SECONDS=3 CONCURRENCY=32 THREADS=2 DATABASE_URL=postgres://… [BACKENDS=pg|pglite] npm run bench:csw
 *
 * KINDS='iso, random;dcat' measures only the kinds whose names contain one of those (';' between); HUB_PROF=/tmp/prof writes the
 * hub's CPU profile (node --cpu-prof) when it exits.
 *
 * Why wrk: the earlier load generator was Node's fetch in this process; on 2 cores the JS clients took the CPU
 * the hub needed (the static floor alone showed p95 78 ms), so the figures measured the client as much as the
 * hub. CLIENT=fetch still runs that client, to compare.
 *
 * Kinds: GetRecords ISO 19139 full, 10 a page — the first page, a page near the end (same page every time),
 * pages at random depths (each request another page: what a cache cannot help), the near-end page in
 * apiso:Identifier order (udata's sort); GetRecordById ISO of random records; a DCAT page (Turtle, 10 a page).
 * The CSW kinds send `Accept-Encoding: gzip`, as real clients do (OWSLib's requests sends "gzip, deflate",
 * udata and GeoNetwork too): the hub gzips a kept GetRecords answer once and sends that (~15 KB instead of
 * ~130 KB), so that is the path to measure. The static floor gets the same header and sends its page gzipped
 * once, to stay comparable. wrk does not read bodies: each kind's first answers are checked with fetch first.
 * Target: GetRecords p95 ≤ 50 ms at 100,000 records, at any page depth.
 *
 * The stores are kept between runs (PGlite in $TMPDIR/moisson-bench-csw2-<N>, PostgreSQL schema
 * bench_csw2_<N>): filling 100,000 records takes minutes and is not what is measured.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk, wrkVersion, type WrkFigures } from './lib/wrk.ts';
// @ts-expect-error: plain JavaScript without declarations
import { launchEnv } from '../scripts/launch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const SIZES = (process.env.N ?? '10000,100000').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const THREADS = Number(process.env.THREADS ?? 2);
/** Seconds of unmeasured load before each kind (wrk only). */
const WARMUP = Number(process.env.WARMUP_SECONDS ?? 3);

interface Hub {
  url: string;
  fillSeconds: number;
  /** This hub filled the store (or packed it): its heap holds the filler's garbage. */
  wrote: boolean;
  stats(): Promise<{ maxRss: number; cpuMs: number }>;
  close(): Promise<void>;
}

async function startHub(n: number, backend: 'pglite' | 'pg'): Promise<Hub> {
  // The environment `moisson` starts the hub in (scripts/launch.mjs: glibc's malloc tuned).
  const env: NodeJS.ProcessEnv = launchEnv(process.env);
  if (backend === 'pg') env.BENCH_SCHEMA = `bench_csw2_${n}`;
  else {
    delete env.DATABASE_URL;
    env.DATA_DIR = path.join(os.tmpdir(), `moisson-bench-csw2-${n}`);
  }
  const child = fork(path.join(here, 'lib', 'hub-main.ts'), [String(n), fixtures], {
    // HUB_PROF=dir writes the hub's V8 CPU profile there (node --cpu-prof), to see where its time goes.
    // HUB_NODE_ARGS: more node options for the hub (--trace-gc, --max-semi-space-size=…), space-separated.
    cwd: root, env, execArgv: ['--import', 'tsx', ...(process.env.HUB_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HUB_PROF}`] : []),
      ...(process.env.HUB_NODE_ARGS ?? '').split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill());
  const ready = await new Promise<{ url: string; fillSeconds: number; wrote: boolean }>((resolve, reject) => {
    child.on('message', (m: { url?: string; fillSeconds?: number; wrote?: boolean; progress?: number }) => {
      if (m.progress !== undefined && m.progress % 10_000 === 0) process.stderr.write(`  filled ${m.progress}/${n}\n`);
      if (m.url) resolve({ url: m.url, fillSeconds: m.fillSeconds ?? 0, wrote: m.wrote === true });
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  return {
    ...ready,
    stats: () => new Promise((resolve) => {
      child.once('message', (m: { maxRss: number; cpuMs: number }) => resolve(m));
      child.send({ op: 'stats' });
    }),
    close: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.disconnect();
    }),
  };
}

const client = process.env.CLIENT === 'fetch' ? 'fetch' : 'wrk';
const GZIP = { 'accept-encoding': 'gzip' };
/** How many varying requests a kind prepares: more than it can send in SECONDS, so that wrk does not cycle. */
const VARIED = Math.max(1000, SECONDS * 5000);

interface Kind {
  name: string;
  /** Request paths, sent in turn (one path: the same request every time). */
  paths: string[];
  headers: Record<string, string>;
  /** Checked on a sample answer before the run (wrk does not read bodies): status, decoded body, encoding. */
  check: (status: number, body: string, encoding: string | null) => boolean;
}

/** The old in-process client (CLIENT=fetch): CONCURRENCY loops of Node's fetch, for comparison only. */
async function fetchLoad(base: string, paths: string[], headers: Record<string, string>): Promise<WrkFigures> {
  const latencies: number[] = [];
  let [status, socket] = [0, 0];
  let next = 0;
  const started = performance.now();
  const end = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const res = await fetch(base + paths[next++ % paths.length], { headers });
        await res.arrayBuffer();
        if (!res.ok) status++;
      } catch {
        socket++;
      }
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { requests: latencies.length, errors: status + socket, errorKinds: { status, connect: 0, read: socket, write: 0, timeout: 0 }, rps: latencies.length / ((performance.now() - started) / 1000),
    p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** One kind: a sample answer checked (and the hub warmed), then the load. Resolves with the figures and a note. */
async function measure(base: string, kind: Kind): Promise<[WrkFigures, string?]> {
  // fetch would send "gzip, deflate" unasked: what wrk sends (nothing: identity) unless the kind says otherwise.
  const headers = { 'accept-encoding': 'identity', ...kind.headers };
  let note: string | undefined;
  for (const p of kind.paths.slice(0, 2)) {
    // fetch decodes gzip itself and keeps the Content-Encoding header, which the check reads.
    const res = await fetch(base + p, { headers });
    if (!kind.check(res.status, await res.text(), res.headers.get('content-encoding'))) note = `sample answer to ${p} failed its check (status ${res.status})`;
  }
  // A short warm-up, not counted (JIT, the hub's pool), with paths from the list's end (reached last, if at all).
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, k) => {
    await (await fetch(base + kind.paths.at(-1 - (k % kind.paths.length)), { headers })).arrayBuffer();
  }));
  // Then WARMUP_SECONDS of the same load, not counted, from the other end of the request list (a request asked
  // twice would be answered from the kept answers): a kind measured first on a fresh hub was measured cold
  // (random pages alone: p95 ~10 ms above the same kind measured after others).
  if (client === 'wrk' && WARMUP > 0) {
    await runWrk({ url: base, connections: CONCURRENCY, threads: THREADS, seconds: WARMUP, headers: kind.headers, luaPaths: [...kind.paths].reverse() });
  }
  const figures = client === 'fetch'
    ? await fetchLoad(base, kind.paths, headers)
    : await runWrk({ url: base, connections: CONCURRENCY, threads: THREADS, seconds: SECONDS, headers: kind.headers, luaPaths: kind.paths });
  return [figures, note];
}

const GMD = encodeURIComponent('http://www.isotc211.org/2005/gmd');
const getRecords = (start: number, extra = '') =>
  `/csw?service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=${GMD}` +
  `&elementSetName=full&resultType=results&maxRecords=10&startPosition=${start}${extra}`;
const isRecords = (status: number, body: string) => status === 200 && body.includes('numberOfRecordsReturned="10"');
// The hub gzips kept GetRecords answers for clients that accept it; the check makes sure that path is measured.
const isRecordsGzipped = (status: number, body: string, encoding: string | null) => isRecords(status, body) && encoding === 'gzip';

/** A fixed pseudo-random sequence, the same in every run. */
const scramble = (i: number, n: number) => Number((BigInt(i) * 2654435761n + 12345n) % BigInt(n));
const varied = (f: (i: number) => string) => Array.from({ length: VARIED }, (_, i) => f(i));

function kinds(n: number): Kind[] {
  return [
    { name: 'floor: GET /healthz', paths: ['/healthz'], headers: {}, check: (s) => s === 200 },
    { name: 'floor: the first page\'s bytes, static (node:http)', paths: ['/bench/static'], headers: GZIP, check: isRecordsGzipped },
    { name: 'GetRecords ISO, first page', paths: [getRecords(1)], headers: GZIP, check: isRecordsGzipped },
    { name: 'GetRecords ISO, page near the end', paths: [getRecords(n - 15)], headers: GZIP, check: isRecordsGzipped },
    { name: 'GetRecords ISO, random pages', paths: varied((i) => getRecords(1 + scramble(i, n - 10))), headers: GZIP, check: isRecordsGzipped },
    { name: 'GetRecords ISO, near the end, sorted on apiso:Identifier', paths: [getRecords(n - 15, '&sortBy=apiso:Identifier:A')],
      headers: GZIP, check: isRecordsGzipped },
    // The ids are those catalogue-fill.ts gives record i; GetRecordById answers are not gzipped by the hub.
    { name: 'GetRecordById ISO, random records', headers: GZIP, check: (s, body) => s === 200 && body.includes('MD_Metadata'),
      paths: varied((i) => `/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=${GMD}` +
        `&elementSetName=full&id=bench-${String(scramble(i, n)).padStart(7, '0')}`) },
    { name: 'DCAT page (Turtle, 10 a page), random pages', headers: {}, check: (s) => s === 200,
      paths: varied((i) => `/catalog.ttl?page=${1 + scramble(i, n / 10)}&page_size=10`) },
  ];
}

async function benchOne(n: number, backend: 'pglite' | 'pg', clientName: string): Promise<void> {
  let hub = await startHub(n, backend);
  const fillSeconds = hub.fillSeconds;
  if (hub.wrote) {
    // A hub serves a catalogue its harvests filled over time, not one it has just bulk-loaded: measured in a
    // fresh process (the filler's heap full of garbage made the first runs after a fill twice as slow).
    await hub.close();
    hub = await startHub(n, backend);
  }
  const rows: [string, WrkFigures, string?][] = [];
  // KINDS='iso, random pages;byid' (substrings of the names, case-insensitive, ';' between) measures those kinds only.
  const only = process.env.KINDS?.toLowerCase().split(';');
  for (const kind of kinds(n)) {
    if (only && !only.some((k) => kind.name.toLowerCase().includes(k))) continue;
    rows.push([kind.name, ...await measure(hub.url, kind)]);
  }
  const stats = await hub.stats();
  await hub.close();
  console.log(`\n## ${n.toLocaleString('en')} records, ${backend} (fill ${fillSeconds.toFixed(0)} s; ${CONCURRENCY} clients, ${SECONDS} s each; hub peak RSS ${Math.round(stats.maxRss / 2 ** 20)} MB)\n`);
  console.log(`client: ${clientName}; Accept-Encoding: gzip on the static floor, GetRecords and GetRecordById\n`);
  console.log('| request | req/s | p50 ms | p95 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, f] of rows) {
    console.log(`| ${name} | ${f.rps.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.errors} |`);
  }
  for (const [name, , note] of rows) if (note) console.log(`\n! ${name}: ${note}`);
}

const clientName = client === 'fetch'
  ? `Node fetch in the bench process, ${CONCURRENCY} loops (CLIENT=fetch)`
  : `${await wrkVersion()}, ${THREADS} threads, ${CONCURRENCY} connections`;
console.log(`bench/csw — ${os.cpus().length} CPUs, node ${process.version}; client: ${clientName}`);
// BACKENDS=pg (or pglite) runs one store only.
const BACKENDS = (process.env.BACKENDS ?? 'pglite,pg').split(',');
for (const n of SIZES) {
  if (BACKENDS.includes('pglite')) await benchOne(n, 'pglite', clientName);
  if (process.env.DATABASE_URL && BACKENDS.includes('pg')) await benchOne(n, 'pg', clientName);
}
