/**
 * bench/harvest: end-to-end CSW harvest throughput into the store and the search outbox.
 *
 *   npm run bench:harvest                 (N=10000; N=… to change; DATABASE_URL=… to also run on PostgreSQL)
 *
 * A local CSW server (bench/lib/csw-server.ts) pages through N ISO 19139 records cloned from the real fixture
 * records. Printed side by side: the baseline (the same pages fetched and split by plain HTTP, no mapping,
 * no store), the first harvest, a second full re-listing of the unchanged catalogue, and an incremental one;
 * records/s, outbox rows, peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchCsw } from './lib/csw-server.ts';
import { openStore, type Db, type StoreOptions } from '../src/store/db.ts';
import { putSource, type SourceDef } from '../src/store/sources.ts';
import { runHarvest } from '../src/harvest/run.ts';
import { outboxLag } from '../src/store/outbox.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const N = Number(process.env.N ?? 10_000);
const PAGE = Number(process.env.PAGE ?? 100);

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Baseline: fetch every page over HTTP and count the records, nothing else. */
async function baseline(url: string): Promise<number> {
  const started = performance.now();
  let count = 0;
  for (let start = 1; start <= N; start += PAGE) {
    const res = await fetch(`${url}?service=CSW&version=2.0.2&request=GetRecords&startPosition=${start}&maxRecords=${PAGE}`);
    const text = await res.text();
    count += text.split('<gmd:MD_Metadata').length - 1 + text.split('<gmi:MI_Metadata').length - 1;
  }
  const s = (performance.now() - started) / 1000;
  console.log(`  baseline: fetch ${count} records, no mapping/store   ${(count / s).toFixed(0).padStart(6)} records/s  ${s.toFixed(1)} s`);
  return count;
}

/** With node --expose-gc: the heap still in use once the run is over (what the run keeps alive). */
function heapAfterGc(): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return '';
  gc();
  return `  heap after GC ${mb(process.memoryUsage().heapUsed)}`;
}

async function timedRun(db: Db, source: SourceDef, label: string): Promise<void> {
  const started = performance.now();
  const r = await runHarvest(db, source);
  const s = (performance.now() - started) / 1000;
  const c = r.counts;
  console.log(`  ${label.padEnd(44)} ${(c.seen / s).toFixed(0).padStart(6)} records/s  ${s.toFixed(1)} s  ` +
    `seen ${c.seen} new ${c.new} changed ${c.changed} unchanged ${c.unchanged} failed ${c.failed}  ` +
    `outbox ${await outboxLag(db)}  ${r.complete ? 'complete' : r.incremental ? 'incremental' : 'incomplete'}  peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}${heapAfterGc()}`);
}

async function benchStore(name: string, options: StoreOptions, url: string): Promise<void> {
  console.log(`store: ${name}`);
  const db = await openStore(options);
  try {
    const source: SourceDef = { id: 'bench', type: 'csw', url, enabled: true, options: { pageSize: PAGE, rateLimit: 1000 } };
    await putSource(db, source);
    await timedRun(db, source, 'first harvest');
    await timedRun(db, { ...source, options: { ...source.options, incremental: false } }, 'second harvest, full re-listing, unchanged');
    await timedRun(db, source, 'third harvest, incremental');
  } finally {
    if (options.schema) await db.query(`DROP SCHEMA ${options.schema} CASCADE`);
    await db.close();
  }
}

const server = await startBenchCsw(fixtures, N);
console.log(`bench/harvest: N=${N} ISO 19139 records, ${PAGE} per page, node ${process.version}, ${os.cpus().length} cores`);
try {
  await baseline(server.url);
  // STORES=pg or STORES=pglite runs one store only (peak RSS is per process).
  const stores = (process.env.STORES ?? 'pglite,pg').split(',');
  if (stores.includes('pglite')) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-bench-'));
    try {
      await benchStore('PGlite (embedded, on disk)', { dataDir: dir }, server.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (process.env.DATABASE_URL && stores.includes('pg')) {
    await benchStore('PostgreSQL', { databaseUrl: process.env.DATABASE_URL, schema: `bench_${Date.now()}` }, server.url);
  }
} finally {
  await server.close();
}
