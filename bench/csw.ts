/**
 * bench/csw (issue 5): the publishers under load. For N published records (default 10,000 and 100,000), on
 * PGlite and, when DATABASE_URL is set, on PostgreSQL, a hub in a child process (bench/lib/hub-main.ts) serves
 * while 32 concurrent clients send one kind of request for a few seconds each; the script prints requests/s
 * and p50 / p95 / p99 latency of each kind next to two floors: the same HTTP stack's /healthz, and the bytes of
 * the first GetRecords page served static by plain node:http (what moving ~130 KB answers costs on this machine).
 *
 *   N=10000,100000 SECONDS=10 CONCURRENCY=32 DATABASE_URL=postgres://… [BACKENDS=pg|pglite] npm run bench:csw
 *
 * Kinds: GetRecords ISO 19139 full, 10 a page — the first page, a page near the end (same page every time),
 * pages at random depths (each request another page: what a cache cannot help), the near-end page in
 * apiso:Identifier order (udata's sort); GetRecordById ISO of random records; a DCAT page (Turtle, 10 a page).
 * Target: GetRecords p95 ≤ 50 ms at 100,000 records, at any page depth.
 *
 * The stores are kept between runs (PGlite in $TMPDIR/moisson-bench-csw2-<N>, PostgreSQL schema
 * bench_csw2_<N>): filling 100,000 records takes minutes and is not what is measured.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const SIZES = (process.env.N ?? '10000,100000').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);

interface Hub {
  url: string;
  fillSeconds: number;
  stats(): Promise<{ maxRss: number; cpuMs: number }>;
  close(): Promise<void>;
}

async function startHub(n: number, backend: 'pglite' | 'pg'): Promise<Hub> {
  const env = { ...process.env };
  if (backend === 'pg') env.BENCH_SCHEMA = `bench_csw2_${n}`;
  else {
    delete env.DATABASE_URL;
    env.DATA_DIR = path.join(os.tmpdir(), `moisson-bench-csw2-${n}`);
  }
  const child = fork(path.join(here, 'lib', 'hub-main.ts'), [String(n), fixtures], {
    cwd: root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill());
  const ready = await new Promise<{ url: string; fillSeconds: number }>((resolve, reject) => {
    child.on('message', (m: { url?: string; fillSeconds?: number; progress?: number }) => {
      if (m.progress !== undefined && m.progress % 10_000 === 0) process.stderr.write(`  filled ${m.progress}/${n}\n`);
      if (m.url) resolve({ url: m.url, fillSeconds: m.fillSeconds ?? 0 });
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

interface Figures {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** CONCURRENCY clients, each sending the next request as soon as its previous answer is read, for SECONDS. */
async function load(urlOf: (i: number) => string, check: (status: number, body: string) => boolean): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  // A short warm-up, not counted (JIT, connections).
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, k) => {
    const res = await fetch(urlOf(1_000_000 + k));
    await res.text();
  }));
  const started = performance.now();
  const end = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      const i = next++;
      const t = performance.now();
      try {
        const res = await fetch(urlOf(i));
        const body = await res.text();
        if (!check(res.status, body)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, perSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99) };
}

const GMD = encodeURIComponent('http://www.isotc211.org/2005/gmd');
const getRecords = (base: string, start: number, extra = '') =>
  `${base}/csw?service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=${GMD}` +
  `&elementSetName=full&resultType=results&maxRecords=10&startPosition=${start}${extra}`;
const isRecords = (status: number, body: string) => status === 200 && body.includes('numberOfRecordsReturned="10"');

/** A fixed pseudo-random sequence, the same in every run. */
const scramble = (i: number, n: number) => Number((BigInt(i) * 2654435761n + 12345n) % BigInt(n));

async function benchOne(n: number, backend: 'pglite' | 'pg'): Promise<void> {
  const hub = await startHub(n, backend);
  const b = hub.url;
  const rows: [string, Figures][] = [];
  const kinds: [string, (i: number) => string, (s: number, body: string) => boolean][] = [
    ['floor: GET /healthz', () => `${b}/healthz`, (s) => s === 200],
    ['floor: the first page\'s bytes, static (node:http)', () => `${b}/bench/static`, isRecords],
    ['GetRecords ISO, first page', () => getRecords(b, 1), isRecords],
    ['GetRecords ISO, page near the end', () => getRecords(b, n - 15), isRecords],
    ['GetRecords ISO, random pages', (i) => getRecords(b, 1 + scramble(i, n - 10)), isRecords],
    ['GetRecords ISO, near the end, sorted on apiso:Identifier', () => getRecords(b, n - 15, '&sortBy=apiso:Identifier:A'), isRecords],
    ['GetRecordById ISO, random records', (i) => `${b}/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=${GMD}` +
      `&elementSetName=full&id=bench-${String(scramble(i, n)).padStart(7, '0')}`, (s, body) => s === 200 && body.includes('MD_Metadata')],
    ['DCAT page (Turtle, 10 a page), random pages', (i) => `${b}/catalog.ttl?page=${1 + scramble(i, n / 10)}&page_size=10`,
      (s) => s === 200],
  ];
  for (const [name, urlOf, check] of kinds) rows.push([name, await load(urlOf, check)]);
  const stats = await hub.stats();
  await hub.close();
  console.log(`\n## ${n.toLocaleString('en')} records, ${backend} (fill ${hub.fillSeconds.toFixed(0)} s; ${CONCURRENCY} clients, ${SECONDS} s each; hub peak RSS ${Math.round(stats.maxRss / 2 ** 20)} MB)\n`);
  console.log('| request | req/s | p50 ms | p95 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, f] of rows) {
    console.log(`| ${name} | ${f.perSecond.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.errors} |`);
  }
}

console.log(`bench/csw — ${os.cpus().length} CPUs, node ${process.version}`);
// BACKENDS=pg (or pglite) runs one store only.
const BACKENDS = (process.env.BACKENDS ?? 'pglite,pg').split(',');
for (const n of SIZES) {
  if (BACKENDS.includes('pglite')) await benchOne(n, 'pglite');
  if (process.env.DATABASE_URL && BACKENDS.includes('pg')) await benchOne(n, 'pg');
}
