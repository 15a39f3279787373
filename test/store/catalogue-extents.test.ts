/**
 * Collection extents (src/store/catalogue-extents.ts): counts, boxes and dates of the whole catalogue and per
 * source, kept until the catalogue's generation changes: a write shows in the next answer, a read in between
 * does not aggregate the catalogue again.
 */
import { describe, expect, it, vi } from 'vitest';
import type { MdRecord } from '../../mappings/types.ts';
import { writeCatalogue, removeFromCatalogue } from '../../src/store/catalogue.ts';
import { catalogueExtent, sourceExtents } from '../../src/store/catalogue-extents.ts';
import { putSource } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';

function record(i: number, bbox: { west: number; south: number; east: number; north: number }): MdRecord {
  return {
    identifier: `id-${i}`, hierarchyLevel: 'dataset', metadataContacts: [], locales: [], title: `Titre ${i}`, alternateTitles: [],
    translations: {}, resourceIdentifiers: [], dates: [], status: [], resourceContacts: [], keywords: [], topicCategories: [],
    resourceLanguages: [], bboxes: [bbox], geographicDescriptions: [],
    temporalExtents: [{ start: `20${10 + i}-01-01`, end: `20${11 + i}-12-31` }], spatialRepresentationTypes: [],
    spatialResolutions: [], referenceSystems: [], constraints: [], conformity: [], distributionFormats: [], onlineResources: [],
    graphicOverviews: [],
  } as MdRecord;
}

describe.each(backends)('catalogue extents on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('answers from the kept aggregate until a write changes the generation', async () => {
    const db = store.db;
    for (const id of ['a', 'b']) await putSource(db, { id, type: 'directory', url: `/nowhere/${id}`, enabled: true });
    await db.query(
      `INSERT INTO records (id, source_id, native_id, record, original, media_type, content_hash, first_seen, last_seen, last_changed)
       VALUES ('r1', 'a', '1', '{}', '\\x00', 'application/xml', 'h', now(), now(), now()),
              ('r2', 'b', '2', '{}', '\\x00', 'application/xml', 'h', now(), now(), now())`);
    await writeCatalogue(db, [{ recordId: 'r1', record: record(1, { west: -5, south: 42, east: 3, north: 51 }), group: { members: ['r1'], sources: ['a'] } }]);
    expect(await catalogueExtent(db)).toEqual({ count: 1, spatial: { west: -5, south: 42, east: 3, north: 51 },
      temporal: { start: '2011-01-01T00:00:00.000Z', end: '2012-12-31T00:00:00.000Z' } });
    const query = vi.spyOn(db, 'query');
    await catalogueExtent(db);
    await sourceExtents(db);
    await sourceExtents(db);
    // One generation read per call, and the per-source aggregate (two statements) computed once.
    expect(query.mock.calls.map(([sql]) => /generation/.test(sql) ? 'generation' : 'aggregate'))
      .toEqual(['generation', 'generation', 'aggregate', 'aggregate', 'generation']);
    query.mockRestore();
    await writeCatalogue(db, [{ recordId: 'r2', record: record(2, { west: 6, south: 45, east: 8, north: 47 }), group: { members: ['r2'], sources: ['b'] } }]);
    expect((await catalogueExtent(db)).spatial).toEqual({ west: -5, south: 42, east: 8, north: 51 });
    expect(Object.fromEntries([...(await sourceExtents(db))].map(([s, e]) => [s, e.count]))).toEqual({ a: 1, b: 1 });
    await removeFromCatalogue(db, ['r1']);
    expect(await catalogueExtent(db)).toMatchObject({ count: 1, spatial: { west: 6, south: 45, east: 8, north: 47 } });
    expect([...(await sourceExtents(db)).keys()]).toEqual(['b']);
  });
});
