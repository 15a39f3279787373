/**
 * Fills a store with N published records for bench/csw: real fixture records (templateRecords) cloned with new
 * identifiers, titles, places and boxes (the variations of bench/lib/search-docs.ts), written straight into
 * `records` (one multi-row statement per batch) and `catalogue` (writeCatalogue, the index sync's own writer).
 * The harvest path is measured by bench/harvest; this only builds the catalogue the publishers read. The
 * original document is a placeholder: no publisher of this bench reads it.
 */
import type { MdRecord } from '../../mappings/types.ts';
import { packCatalogueIso, writeCatalogue, type CatalogueEntry } from '../../src/store/catalogue.ts';
import type { Db } from '../../src/store/db.ts';
import { putSource } from '../../src/store/sources.ts';
import { PLACES, random, randomBox, THEMES } from './search-docs.ts';

const TYPES = ['dataset', 'dataset', 'dataset', 'series', 'service'];
const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

export function syntheticRecord(templates: MdRecord[], i: number): { id: string; source: string; record: MdRecord } {
  const rnd = random(i + 1);
  const base = templates[i % templates.length];
  const place = pick(rnd, PLACES);
  const theme = pick(rnd, THEMES);
  const year = 2010 + Math.floor(rnd() * 15);
  const id = `bench-${String(i).padStart(7, '0')}`;
  const record: MdRecord = {
    ...base,
    identifier: id,
    hierarchyLevel: pick(rnd, TYPES),
    title: `${theme[0].toUpperCase()}${theme.slice(1)} — ${place} ${year} (${base.title})`,
    bboxes: [randomBox(rnd)],
    metadataDate: `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
  };
  return { id, source: `producteur-${1 + Math.floor(rnd() * 20)}`, record };
}

/**
 * After a bulk load: VACUUM ANALYZE (a bulk-loaded table has no visibility map until autovacuum passes, a running
 * hub's steady state: without it every index-only scan of a deep page visits the heap), then on a server a
 * CHECKPOINT, so that writing the load's dirty pages out does not happen during the measurement.
 */
async function settle(db: Db): Promise<void> {
  await db.query('VACUUM ANALYZE');
  if (db.kind === 'pg') await db.query('CHECKPOINT').catch(() => {});
}

/**
 * Writes records 0…n-1 (skipping what the store already holds); returns whether it wrote anything (then the
 * store has just been vacuumed and, on a PostgreSQL server, checkpointed).
 */
export async function fillCatalogue(db: Db, templates: MdRecord[], n: number, onProgress?: (done: number) => void): Promise<boolean> {
  // A store filled before migration 8 has no ISO pieces: packed here, as a running hub's index sync would.
  let packedNow = 0;
  for (let after = '', p; (p = await packCatalogueIso(db, 1000, after)).read > 0;) {
    packedNow += p.read;
    after = p.last ?? after;
    onProgress?.(packedNow);
  }
  const have = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalogue')).rows[0].n;
  if (have >= n) {
    if (packedNow > 0) await settle(db);
    return packedNow > 0;
  }
  for (let p = 1; p <= 20; p++) await putSource(db, { id: `producteur-${p}`, type: 'directory', url: `/bench/producteur-${p}`, enabled: true });
  const BATCH = 500;
  for (let start = have; start < n; start += BATCH) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) batch.push(syntheticRecord(templates, i));
    await db.query(
      `INSERT INTO records (id, source_id, native_id, identifier, hierarchy_level, title, record, original, media_type,
         content_hash, first_seen, last_seen, last_changed)
       SELECT e.id, e.source, e.id, e.record ->> 'identifier', e.record ->> 'hierarchyLevel', e.record ->> 'title', e.record,
         '\\x3c782f3e', 'application/xml', md5(e.id), now(), now(), now()
       FROM jsonb_to_recordset($1::jsonb) AS e(id text, source text, record jsonb)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(batch)],
    );
    const entries: CatalogueEntry[] = batch.map((b) => ({ recordId: b.id, record: b.record, group: { members: [b.id], sources: [b.source] } }));
    await writeCatalogue(db, entries);
    onProgress?.(Math.min(n, start + BATCH));
  }
  // A bulk-loaded table has no visibility map until autovacuum passes (a running hub's steady state): without it
  // every index-only scan of a deep page visits the heap (1,009 heap fetches for a page seeking 999 rows).
  await settle(db);
  return true;
}
