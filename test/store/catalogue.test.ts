/**
 * The catalogue's paging: deep pages seek from remembered positions instead of skipping every earlier row
 * (src/store/catalogue.ts). Whatever path a page takes, it must be exactly the page a plain OFFSET gives, in
 * every order, at every depth, and after the catalogue changes.
 */
import { describe, expect, it } from 'vitest';
import type { MdRecord } from '../../mappings/types.ts';
import { queryCatalogue, removeFromCatalogue, writeCatalogue, type CatalogueSort } from '../../src/store/catalogue.ts';
import type { Db } from '../../src/store/db.ts';
import { putSource } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';

const N = 2600;
const TYPES = ['dataset', 'series', 'service'];

function record(i: number): MdRecord {
  return {
    identifier: `id-${String((i * 7919) % N).padStart(5, '0')}`, hierarchyLevel: TYPES[i % 3], metadataContacts: [], locales: [],
    // Titles repeat: the record_id tie-breaker must keep the order total.
    title: `Titre ${i % 37}`, alternateTitles: [], translations: {}, resourceIdentifiers: [], dates: [], status: [],
    resourceContacts: [], keywords: [], topicCategories: [], resourceLanguages: [], bboxes: [], geographicDescriptions: [],
    temporalExtents: [], spatialRepresentationTypes: [], spatialResolutions: [], referenceSystems: [], constraints: [],
    conformity: [], distributionFormats: [], onlineResources: [], graphicOverviews: [],
    metadataDate: i % 5 === 0 ? undefined : `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
  };
}

async function fill(db: Db): Promise<void> {
  await putSource(db, { id: 's', type: 'directory', url: '/nowhere', enabled: true });
  await db.query(
    `INSERT INTO records (id, source_id, native_id, record, original, media_type, content_hash, first_seen, last_seen, last_changed)
     SELECT 'r' || lpad(g::text, 5, '0'), 's', g::text, '{}', '\\x00', 'application/xml', 'h', now(), now(), now()
     FROM generate_series(0, $1 - 1) g`, [N]);
  for (let start = 0; start < N; start += 500) {
    const entries = [];
    for (let i = start; i < Math.min(N, start + 500); i++) {
      const id = `r${String(i).padStart(5, '0')}`;
      entries.push({ recordId: id, record: record(i), group: { members: [id], sources: ['s'] } });
    }
    await writeCatalogue(db, entries);
  }
}

/** The page as a plain OFFSET over the same order gives it. */
async function reference(db: Db, where: string, params: unknown[], sort: CatalogueSort[], offset: number, limit: number): Promise<string[]> {
  const order = [...sort.map((s) => `${s.column} ${s.descending ? 'DESC' : 'ASC'}`),
    `record_id ${sort.at(-1)?.descending ? 'DESC' : 'ASC'}`].join(', ');
  const n = params.length;
  const r = await db.query<{ record_id: string }>(
    `SELECT record_id FROM catalogue c WHERE ${where} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, limit, offset]);
  return r.rows.map((row) => row.record_id);
}

describe.each(backends)('catalogue paging on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('serves every page of every order exactly as OFFSET does, at any depth, before and after a change', async () => {
    await fill(store.db);
    const orders: CatalogueSort[][] = [
      [], [{ column: 'identifier', descending: false }], [{ column: 'title', descending: true }],
      [{ column: 'type', descending: false }, { column: 'title', descending: false }],
      // Not seekable (a nullable column, mixed directions): plain OFFSET, still right.
      [{ column: 'modified', descending: false }], [{ column: 'type', descending: false }, { column: 'title', descending: true }],
    ];
    const filters = [{ sql: 'true', params: [] as unknown[] }, { sql: 'c.type <> $1', params: ['series'] }];
    const offsets = [0, 199, 200, 990, 999, 1000, 1001, 1990, 1000, 2590, 2599, 2600, 3000, 1500, 1510, 1520];
    for (const where of filters) {
      for (const sort of orders) {
        for (const [i, offset] of offsets.entries()) {
          // Mostly 10 a page; other sizes change the window a page is read through.
          const limit = i % 5 === 4 ? 37 : i % 7 === 6 ? 1 : 10;
          const page = await queryCatalogue(store.db, { where, sort, offset, limit });
          const want = await reference(store.db, where.sql, where.params, sort, offset, limit);
          expect(page.hits.map((h) => h.recordId), JSON.stringify({ where, sort, offset })).toEqual(want);
          expect(page.matched).toBe(where.params.length === 0 ? N : N - Math.floor((N + 1) / 3));
        }
      }
    }
    // A change moves rows: remembered positions of the old generation must not be used.
    await removeFromCatalogue(store.db, ['r00000', 'r00001', 'r00002', 'r01500']);
    for (const offset of [1000, 1500, 1510, 2590]) {
      const sort = [{ column: 'identifier', descending: false }];
      const page = await queryCatalogue(store.db, { where: filters[0], sort, offset, limit: 10 });
      expect(page.hits.map((h) => h.recordId)).toEqual(await reference(store.db, 'true', [], sort, offset, 10));
      expect(page.matched).toBe(N - 4);
    }
  }, 120_000);

  it.runIf(backend.name === 'pg')('plans the unfiltered listing once per connection on PostgreSQL (generic plans)', async () => {
    await fill(store.db);
    await store.db.tx(async (t) => {
      // Pages at every depth, seeking from checkpoints: the statement text is the same, the offsets differ.
      for (const offset of [0, 10, 250, 1234, 2000, 2101, 47, 1999, 600, 2590]) {
        await queryCatalogue(t, { offset, limit: 10, records: false, iso: 'gz' });
      }
      const plans = await t.query<{ generic_plans: number; custom_plans: number }>(
        `SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%catalogue_state%'`);
      expect(plans.rows.length).toBeGreaterThan(0);
      // PostgreSQL tries 5 custom plans, then keeps the generic one when its cost is no worse.
      expect(plans.rows.reduce((sum, p) => sum + p.generic_plans, 0)).toBeGreaterThanOrEqual(4);
    });
  });
});
