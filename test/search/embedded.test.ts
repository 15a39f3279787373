/**
 * The embedded engine (src/search/embedded/) on every backend of test/helpers/db.ts: the SearchIndex contract
 * suite, then what only this engine has: its lexicon and completion counts, the rebuild's table swap, query
 * plans that can use its indexes, and (on PostgreSQL) extensions shared safely between the schemas of one
 * database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { asSearchError } from '../../src/search/embedded/errors.ts';
import { createEmbeddedIndex } from '../../src/search/embedded/index.ts';
import { PARSE_SQL, searchSql, type TextQuery } from '../../src/search/embedded/sql.ts';
import { openStore, type Db } from '../../src/store/db.ts';
import { backends, schemaName, useStore } from '../helpers/db.ts';
import { SearchError } from '../../src/search/types.ts';
import { CORPUS, describeSearchContract, searchQuery } from './contract.ts';

async function tableNames(db: Db, pattern: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1 ORDER BY 1`, [pattern]);
  return r.rows.map((x) => x.name);
}

async function indexNames(db: Db): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'search\\_%' ORDER BY 1`);
  return r.rows.map((x) => x.name);
}

/** The plan of the engine's statement with sequential scans disabled: which indexes it can use at all. */
async function planWithIndexes(db: Db, q: string | undefined, fields: Parameters<typeof searchQuery>[0]): Promise<string> {
  return db.tx(async (t) => {
    await t.exec('SET LOCAL enable_seqscan = off');
    const text = q ? (await t.query<TextQuery>(PARSE_SQL, [q])).rows[0] : null;
    const { sql, values } = searchSql(searchQuery({ ...fields, q }), text);
    const r = await t.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  });
}

describe('embedded search errors', () => {
  const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it('says unavailable when the database cannot be reached, internal otherwise, and keeps SearchErrors', () => {
    expect(asSearchError(pgError('ECONNREFUSED'), 'search').kind).toBe('unavailable');
    expect(asSearchError(pgError('57P01', 'terminating connection'), 'search').kind).toBe('unavailable');
    expect(asSearchError(new Error('PGlite is closed'), 'search').kind).toBe('unavailable');
    const internal = asSearchError(pgError('42P01', 'relation "search_docs" does not exist'), 'search');
    expect([internal.kind, internal.message]).toEqual(['internal', 'Embedded search could not search: relation "search_docs" does not exist']);
    const own = new SearchError('bad bbox', 'query');
    expect(asSearchError(own, 'search')).toBe(own);
  });
});

describe.each(backends)('embedded search on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  describeSearchContract('embedded', () => createEmbeddedIndex(store.db));

  describe('engine', () => {
    it('keeps its text search configurations, dictionary and function in the store\'s own schema', async () => {
      const r = await store.db.query<{ kind: string; name: string }>(
        `SELECT 'config' AS kind, cfgname AS name FROM pg_ts_config WHERE cfgnamespace = current_schema()::regnamespace
         UNION ALL SELECT 'dictionary', dictname FROM pg_ts_dict WHERE dictnamespace = current_schema()::regnamespace
         UNION ALL SELECT 'function', proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
         ORDER BY 1, 2`);
      // On PGlite the extensions live in the same schema (public): only our own objects are named search_*.
      expect(r.rows.filter((x) => x.name.startsWith('search_'))).toEqual([
        { kind: 'config', name: 'search_en' }, { kind: 'config', name: 'search_fr' },
        { kind: 'dictionary', name: 'search_unaccent' }, { kind: 'function', name: 'search_similar_words' },
      ]);
    });

    it('keeps lexicon and completion counts in step with upserts and removals', async () => {
      const index = createEmbeddedIndex(store.db);
      const lexicon = async (word: string) =>
        (await store.db.query<{ docs: number }>('SELECT docs FROM search_lexicon WHERE word = $1', [word])).rows[0]?.docs ?? 0;
      const completion = async (key: string) =>
        (await store.db.query<{ docs: number }>('SELECT docs FROM search_completions WHERE key = $1', [key])).rows[0]?.docs ?? 0;
      await index.upsert(CORPUS);
      // "zones": the titles of wetlands and activity; "bathymetrie": fiji's title and keyword, counted once.
      expect([await lexicon('zones'), await lexicon('bathymetrie'), await completion('csv')]).toEqual([2, 1, 0]);
      expect(await completion('rennes metropole')).toBe(0);
      expect(await completion('zones humides')).toBe(1);
      await index.upsert([{ ...CORPUS.find((d) => d.id === 'fiji')!, title: 'Fonds marins', keywords: [] }]);
      expect([await lexicon('bathymetrie'), await lexicon('fonds')]).toEqual([0, 1]);
      await index.remove(['wetlands']);
      expect([await lexicon('zones'), await completion('zones humides')]).toEqual([1, 0]);
      await index.upsert(CORPUS.filter((d) => d.id === 'wetlands'));
      expect([await lexicon('zones'), await completion('zones humides')]).toEqual([2, 1]);
    });

    // A server has autovacuum; PGlite has no background worker, so the engine does it.
    if (backend.name === 'pglite') it('vacuums and analyzes its tables on PGlite once enough documents have changed', async () => {
      const index = createEmbeddedIndex(store.db);
      const analyzed = async () => (await store.db.query<{ at: Date | null }>(
        `SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'search_docs' AND schemaname = current_schema()`)).rows[0].at;
      const before = await analyzed();
      for (let i = 0; i < 49; i++) await index.upsert(CORPUS.map((d) => ({ ...d, id: `${d.id}-${i % 20}` })));
      expect(await analyzed()).toEqual(before);
      await index.upsert(CORPUS);
      expect(await analyzed()).not.toEqual(before);
      expect(await index.count()).toBe(20 * CORPUS.length + CORPUS.length);
    });

    it('swaps rebuilt tables in under the same table and index names, leaving no copy behind', async () => {
      const index = createEmbeddedIndex(store.db);
      const before = await indexNames(store.db);
      await index.rebuild((async function* () { yield CORPUS; })());
      expect(await indexNames(store.db)).toEqual(before);
      expect(await tableNames(store.db, '%\\_new')).toEqual([]);
      expect(before).toContain('search_docs_tsv_idx');
      expect(before).toContain('search_docs_extent_idx');
    });

    it('keeps the live index when a rebuild fails, and drops its half-built copy', async () => {
      const index = createEmbeddedIndex(store.db);
      await index.upsert(CORPUS);
      async function* failing() {
        yield CORPUS.slice(0, 2);
        throw new Error('store went away');
      }
      await expect(index.rebuild(failing())).rejects.toMatchObject({ name: 'SearchError', kind: 'internal' });
      expect(await index.count()).toBe(CORPUS.length);
      expect(await tableNames(store.db, '%\\_new')).toEqual([]);
      expect((await index.search(searchQuery({ q: 'bathymétrie' }))).total).toBe(1);
    });

    it('runs text, box and facet filters through their indexes, with no per-row function in the way', async () => {
      await createEmbeddedIndex(store.db).upsert(CORPUS);
      // Each condition alone, so that the planner has no cheaper index to pick instead.
      expect(await planWithIndexes(store.db, 'zones humides', { facets: ['type', 'source', 'keyword'] })).toMatch(/search_docs_tsv_idx/);
      expect(await planWithIndexes(store.db, undefined, { bbox: [{ west: -5, south: 47, east: -1, north: 49 }] })).toMatch(/search_docs_extent_idx/);
      expect(await planWithIndexes(store.db, undefined, { keyword: ['hydrographie'] })).toMatch(/search_docs_keywords_idx/);
      expect(await planWithIndexes(store.db, undefined, { organisation: ['DGFiP'] })).toMatch(/search_docs_organisations_idx/);
      expect(await planWithIndexes(store.db, undefined, { type: ['series'] })).toMatch(/search_docs_type_idx/);
    });
  });

  // Extensions are database-wide: only a server has several schemas (and databases) to share them.
  if (backend.name === 'pg') describe('extensions shared between schemas', () => {
    const url = process.env.DATABASE_URL!;

    async function admin<T>(fn: (c: pg.Client) => Promise<T>, database?: string): Promise<T> {
      const u = new URL(url);
      if (database) u.pathname = `/${database}`;
      const c = new pg.Client({ connectionString: u.toString() });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    }

    async function searchWorks(db: Db): Promise<void> {
      const index = createEmbeddedIndex(db);
      await index.init();
      await index.upsert(CORPUS);
      expect((await index.search(searchQuery({ q: 'ecole' }))).hits.map((h) => h.doc.id)).toEqual(['ecole']);
      expect((await index.search(searchQuery({ q: 'bâtimnts' }))).corrected).toBe(true);
      expect(await index.suggest('bati', 3)).toContain('bâtiments');
    }

    it('migrates two schemas one after the other; dropping one (CASCADE) leaves the other searching', async () => {
      const [a, b] = [schemaName('search_ext_a'), schemaName('search_ext_b')];
      const dbA = await openStore({ databaseUrl: url, schema: a });
      const dbB = await openStore({ databaseUrl: url, schema: b });
      try {
        await searchWorks(dbA);
        await admin((c) => c.query(`DROP SCHEMA ${a} CASCADE`));
        await searchWorks(dbB);
        const ext = await admin((c) => c.query<{ extname: string; nspname: string }>(
          `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE e.extname IN ('unaccent', 'pg_trgm') ORDER BY 1`));
        expect(ext.rows.map((x) => x.nspname)).toEqual(['public', 'public']);
      } finally {
        await dbA.close();
        await dbB.close();
        await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${a} CASCADE; DROP SCHEMA IF EXISTS ${b} CASCADE`));
      }
    });

    it('uses the extensions where a database already has them, in a schema of their own', async () => {
      const database = `moisson_ext_${randomBytes(4).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${database}`));
      try {
        await admin(async (c) => {
          await c.query('CREATE SCHEMA extensions');
          await c.query('CREATE EXTENSION unaccent SCHEMA extensions');
          await c.query('CREATE EXTENSION pg_trgm SCHEMA extensions');
        }, database);
        const u = new URL(url);
        u.pathname = `/${database}`;
        const db = await openStore({ databaseUrl: u.toString(), schema: 'hub' });
        try {
          await searchWorks(db);
        } finally {
          await db.close();
        }
        const ext = await admin((c) => c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE e.extname IN ('unaccent', 'pg_trgm') AND n.nspname = 'extensions'`), database);
        expect(ext.rows[0].n).toBe(2);
      } finally {
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      }
    });
  });
});
