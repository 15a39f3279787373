/**
 * The embedded SearchIndex (DESIGN §3): PostgreSQL full text on the store's own database, PGlite or a server,
 * the default engine when no Meilisearch is configured. Its tables come with the store's migrations (migration
 * 4: src/store/migrations/004-search.ts), so there is nothing to create at start-up and nothing to run beside the
 * store.
 *
 *   search.ts       one query: parse, filter, rank, page, highlight, facets (sql.ts builds the statement);
 *                   typo.ts corrects unknown words when a query finds nothing
 *   write.ts        upsert, remove, rebuild into fresh tables swapped in atomically
 *   suggest.ts      completions of titles and keywords
 *   maintenance.ts  statistics and dead rows on PGlite, which has no autovacuum
 */
import type { Db } from '../../store/db.ts';
import { SearchError, type SearchDoc, type SearchIndex, type SearchQuery, type SearchResult } from '../types.ts';
import { guarded } from './errors.ts';
import { createMaintenance } from './maintenance.ts';
import { runSearch } from './search.ts';
import { suggestCompletions } from './suggest.ts';
import { LIVE } from './tables.ts';
import { rebuildTables, removeDocs, writeDocs } from './write.ts';

/** Fails with 'unavailable' when the store has not been migrated to a version with the search tables. */
async function checkTables(db: Db): Promise<void> {
  const r = await db.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [LIVE.docs]);
  if (!r.rows[0].ok) {
    throw new SearchError(`The store has no ${LIVE.docs} table: it is not migrated to the search schema (migration 4)`, 'unavailable');
  }
}

/** The embedded engine over `db` (an open, migrated store: openStore). Closing it leaves the store open. */
export function createEmbeddedIndex(db: Db): SearchIndex {
  const maintenance = createMaintenance(db);
  return {
    engine: 'embedded',
    init: () => guarded('check its tables', () => checkTables(db)),
    upsert: (docs: SearchDoc[]) =>
      guarded('index documents', async () => {
        await writeDocs(db, LIVE, docs);
        await maintenance.changed(docs.length);
      }),
    remove: (ids: string[]) =>
      guarded('remove documents', async () => {
        await removeDocs(db, ids);
        await maintenance.changed(ids.length);
      }),
    docsWithMember: (recordId: string) =>
      guarded('find documents by member', async () => {
        const r = await db.query<{ id: string }>(`SELECT id FROM ${LIVE.docs} WHERE members @> ARRAY[$1::text] ORDER BY id`, [recordId]);
        return r.rows.map((x) => x.id);
      }),
    search: (q: SearchQuery): Promise<SearchResult> => guarded('search', () => runSearch(db, q)),
    suggest: (prefix: string, limit: number) => guarded('suggest', () => suggestCompletions(db, prefix, limit)),
    rebuild: (docs, onProgress) => guarded('rebuild the index', () => rebuildTables(db, docs, onProgress)),
    count: () =>
      guarded('count documents', async () => {
        const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LIVE.docs}`);
        return r.rows[0].n;
      }),
    // The store belongs to whoever opened it: nothing of the index's own to release.
    close: async () => {},
  };
}
