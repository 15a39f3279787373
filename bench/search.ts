/**
 * bench/search: query latency of the embedded search engine over N synthetic documents (bench/lib/search-docs.ts,
 * made from the real fixture records), on PGlite and, when DATABASE_URL is set, on PostgreSQL.
 *
 *   npm run bench:search                  (N=100000 by default; Q=200 queries per kind; STORES=pglite|pg)
 *
 * Printed per store: indexing throughput (documents/s through SearchIndex.rebuild), then p50 / p95 latency of
 * (1) text + bbox + 3 facets, (2) a bbox-only browse with 3 facets, (3) page 50 of a broad text query — next to
 * two baselines in the same database: the round trip of `SELECT 1` (the floor) and the naive search an engine
 * replaces, `ILIKE '%word%'` over titles and abstracts of the same documents without any index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Db, type StoreOptions } from '../src/store/db.ts';
import { createEmbeddedIndex } from '../src/search/embedded/index.ts';
import type { SearchIndex, SearchQuery } from '../src/search/types.ts';
import { PLACES, THEMES, random, randomBox, syntheticBatches, templateRecords } from './lib/search-docs.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const N = Number(process.env.N ?? 100_000);
const Q = Number(process.env.Q ?? 200);
const BATCH = 1000;

const base: SearchQuery = { sort: 'relevance', page: 1, limit: 20, facets: [], facetLimit: 10 };

function percentiles(ms: number[]): { p50: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] };
}

async function timed(label: string, run: (i: number) => Promise<unknown>): Promise<void> {
  await run(-1); // warm-up: plans, caches
  const ms: number[] = [];
  for (let i = 0; i < Q; i++) {
    const t = performance.now();
    await run(i);
    ms.push(performance.now() - t);
  }
  const { p50, p95 } = percentiles(ms);
  console.log(`  ${label.padEnd(52)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms`);
}

/** The naive baseline's table: titles and abstracts of the same documents, no index. */
async function naiveTable(db: Db, templates: ReturnType<typeof templateRecords>): Promise<void> {
  await db.exec('DROP TABLE IF EXISTS bench_naive; CREATE TABLE bench_naive (id text, title text, abstract text)');
  for await (const docs of syntheticBatches(templates, N, BATCH)) {
    await db.query('INSERT INTO bench_naive SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      [docs.map((d) => d.id), docs.map((d) => d.title), docs.map((d) => d.abstract)]);
  }
}

async function benchStore(name: string, options: StoreOptions, templates: ReturnType<typeof templateRecords>): Promise<void> {
  console.log(`store: ${name}`);
  const db = await openStore(options);
  const index: SearchIndex = createEmbeddedIndex(db);
  try {
    await index.init();
    let t = performance.now();
    const indexed = await index.rebuild(syntheticBatches(templates, N, BATCH));
    let s = (performance.now() - t) / 1000;
    console.log(`  indexing: ${indexed} documents in ${s.toFixed(1)} s   ${(indexed / s).toFixed(0)} documents/s`);
    t = performance.now();
    await naiveTable(db, templates);
    s = (performance.now() - t) / 1000;
    const rnd = random(42);
    const word = () => THEMES[Math.floor(rnd() * THEMES.length)].split(/[ ’']/).sort((a, b) => b.length - a.length)[0];
    const region = () => {
      const b = randomBox(rnd);
      return { west: b.west - 1, south: b.south - 1, east: b.east + 1, north: b.north + 1 };
    };
    await timed('baseline: SELECT 1 round trip', () => db.query('SELECT 1'));
    await timed('baseline: naive ILIKE on title/abstract, count + 20', async () => {
      const w = `%${word()}%`;
      await db.query('SELECT count(*) FROM bench_naive WHERE title ILIKE $1 OR abstract ILIKE $1', [w]);
      await db.query('SELECT id, title FROM bench_naive WHERE title ILIKE $1 OR abstract ILIKE $1 ORDER BY id LIMIT 20', [w]);
    });
    let hits = 0;
    await timed('text + bbox + 3 facets', async () => {
      const r = await index.search({ ...base, q: `${word()} ${rnd() < 0.3 ? PLACES[Math.floor(rnd() * PLACES.length)] : ''}`.trim(), bbox: [region()], facets: ['type', 'source', 'keyword'] });
      hits += r.total;
    });
    await timed('bbox-only browse + 3 facets', async () => {
      const r = await index.search({ ...base, sort: 'date', bbox: [region()], facets: ['type', 'source', 'format'] });
      hits += r.total;
    });
    await timed('page 50 of a broad text query', async () => {
      const r = await index.search({ ...base, q: word(), page: 50 });
      hits += r.total;
    });
    console.log(`  (average matches per query: ${(hits / (3 * (Q + 1))).toFixed(0)})`);
  } finally {
    await db.exec('DROP TABLE IF EXISTS bench_naive');
    await index.close();
    if (options.schema) await db.query(`DROP SCHEMA ${options.schema} CASCADE`);
    await db.close();
  }
}

const templates = templateRecords(root, fixtures);
console.log(`bench/search: N=${N} documents from ${templates.length} fixture records, Q=${Q} queries per kind, node ${process.version}, ${os.cpus().length} cores`);
const stores = (process.env.STORES ?? 'pglite,pg').split(',');
if (stores.includes('pglite')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-bench-search-'));
  try {
    await benchStore('PGlite (embedded, on disk)', { dataDir: dir }, templates);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (process.env.DATABASE_URL && stores.includes('pg')) {
  await benchStore('PostgreSQL', { databaseUrl: process.env.DATABASE_URL, schema: `bench_search_${Date.now()}` }, templates);
}
