/**
 * Writes of the embedded engine: documents in, documents out, and the full rebuild into fresh tables swapped in
 * atomically. Each write is one transaction over the four tables, so a search never sees a document without its
 * boxes, nor the lexicon and completion counts out of step with the documents.
 */
import type { Db } from '../../store/db.ts';
import type { Bbox, SearchDoc } from '../types.ts';
import { CONFIGS, FRESH, LIVE, type Tables } from './tables.ts';
import { vacuumAnalyze } from './maintenance.ts';
import { completionTerms, lexiconTerms, phraseKey, termDeltas, type TermDelta } from './text.ts';

/** The weighted vector of a row of `x` (title A, other titles and keywords B, abstract and organisations C). */
const VECTOR = [CONFIGS.fr, CONFIGS.en]
  .flatMap((cfg) => [
    `setweight(to_tsvector('${cfg}', x.a), 'A')`,
    `setweight(to_tsvector('${cfg}', x.b), 'B')`,
    `setweight(to_tsvector('${cfg}', x.c), 'C')`,
  ])
  .join(' || ');

/** A row as sent to jsonb_to_recordset: the columns, and the texts of each weight. */
function row(doc: SearchDoc) {
  return {
    id: doc.id,
    doc,
    members: distinct(doc.members),
    type: doc.type || 'dataset',
    license: doc.license || null,
    sources: distinct(doc.sources),
    keywords: distinct(doc.keywords),
    formats: distinct(doc.formats),
    topics: distinct(doc.topics),
    organisations: distinct(doc.organisations),
    date: validDay(doc.date),
    title_key: phraseKey(doc.title),
    ...extent(doc),
    multi_box: boxesOf(doc).length > 1,
    a: doc.title,
    b: [...doc.altTitles, ...doc.keywords].join('\n'),
    c: [doc.abstract, ...doc.organisations].join('\n'),
  };
}

/** Facet counts are documents per value: a value listed twice in one document counts once. */
function distinct(values: string[] | undefined): string[] {
  return [...new Set((values ?? []).filter((v) => typeof v === 'string' && v !== ''))];
}

/** A real calendar day YYYY-MM-DD, else null (a bad date must not fail the whole batch). */
function validDay(value: string | null): string | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value) ? value : null;
}

/** The last version of each id: a batch may list a document twice. */
function lastById(docs: SearchDoc[]): SearchDoc[] {
  return [...new Map(docs.map((d) => [d.id, d])).values()];
}

async function insertDocs(db: Db, t: Tables, docs: SearchDoc[]): Promise<void> {
  await db.query(
    `INSERT INTO ${t.docs} (id, doc, members, type, license, sources, keywords, formats, topics, organisations, date,
       title_key, extent, multi_box, tsv)
     SELECT x.id, x.doc, x.members, x.type, x.license, x.sources, x.keywords, x.formats, x.topics, x.organisations,
            x.date, x.title_key, CASE WHEN x.w IS NOT NULL THEN box(point(x.w, x.s), point(x.e, x.n)) END, x.multi_box,
            ${VECTOR}
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, doc jsonb, members text[], type text, license text,
       sources text[], keywords text[], formats text[], topics text[], organisations text[], date date,
       title_key text, w float8, s float8, e float8, n float8, multi_box boolean, a text, b text, c text)`,
    [JSON.stringify(docs.map(row))],
  );
  // Only resources with several boxes need them one by one: for the others the extent is the box.
  const boxes = docs.flatMap((d) => {
    const valid = boxesOf(d);
    return valid.length > 1 ? valid.map((b) => [d.id, b.west, b.south, b.east, b.north]) : [];
  });
  if (boxes.length === 0) return;
  await db.query(
    `INSERT INTO ${t.boxes} (doc_id, box)
     SELECT x->>0, box(point((x->>1)::float8, (x->>2)::float8), point((x->>3)::float8, (x->>4)::float8))
     FROM jsonb_array_elements($1::jsonb) AS x`,
    [JSON.stringify(boxes)],
  );
}

function boxesOf(doc: SearchDoc): Bbox[] {
  return (doc.bboxes ?? []).filter((b) => [b.west, b.south, b.east, b.north].every(Number.isFinite));
}

/** The envelope of a document's boxes (w, s, e, n), or nulls when it has none. */
function extent(doc: SearchDoc): { w: number | null; s: number | null; e: number | null; n: number | null } {
  const boxes = boxesOf(doc);
  if (boxes.length === 0) return { w: null, s: null, e: null, n: null };
  return {
    w: Math.min(...boxes.map((b) => b.west)),
    s: Math.min(...boxes.map((b) => b.south)),
    e: Math.max(...boxes.map((b) => b.east)),
    n: Math.max(...boxes.map((b) => b.north)),
  };
}

/** Deletes documents (and their boxes); returns the documents as they were, for the term counts. */
async function deleteDocs(db: Db, t: Tables, ids: string[]): Promise<SearchDoc[]> {
  const r = await db.query<{ doc: SearchDoc }>(`DELETE FROM ${t.docs} WHERE id = ANY($1::text[]) RETURNING doc`, [ids]);
  await db.query(`DELETE FROM ${t.boxes} WHERE doc_id = ANY($1::text[])`, [ids]);
  return r.rows.map((x) => x.doc);
}

/** Applies count changes to the lexicon or the completion list; entries no document uses any more go. */
async function applyDeltas(db: Db, table: string, key: string, deltas: TermDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await db.query(
    `INSERT INTO ${table} AS t (${key}, display, docs)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (${key}) DO UPDATE SET docs = t.docs + excluded.docs`,
    [deltas.map((d) => d.key), deltas.map((d) => d.display), deltas.map((d) => d.delta)],
  );
  const dropped = deltas.filter((d) => d.delta < 0).map((d) => d.key);
  if (dropped.length > 0) await db.query(`DELETE FROM ${table} WHERE ${key} = ANY($1::text[]) AND docs <= 0`, [dropped]);
}

/** Replaces `docs` (by id) in the tables `t`, in one transaction. */
export async function writeDocs(db: Db, t: Tables, docs: SearchDoc[]): Promise<void> {
  const fresh = lastById(docs);
  if (fresh.length === 0) return;
  await db.tx(async (tx) => {
    const old = await deleteDocs(tx, t, fresh.map((d) => d.id));
    await insertDocs(tx, t, fresh);
    await applyDeltas(tx, t.lexicon, 'word', termDeltas(old, fresh, lexiconTerms));
    await applyDeltas(tx, t.completions, 'key', termDeltas(old, fresh, completionTerms));
  });
}

/** Removes documents by id from the live tables (unknown ids are ignored). */
export async function removeDocs(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.tx(async (tx) => {
    const old = await deleteDocs(tx, LIVE, ids);
    await applyDeltas(tx, LIVE.lexicon, 'word', termDeltas(old, [], lexiconTerms));
    await applyDeltas(tx, LIVE.completions, 'key', termDeltas(old, [], completionTerms));
  });
}

const TABLE_KEYS = Object.keys(LIVE) as (keyof Tables)[];

async function dropFresh(db: Db): Promise<void> {
  await db.exec(`DROP TABLE IF EXISTS ${TABLE_KEYS.map((k) => FRESH[k]).join(', ')}`);
}

/** Empty copies of the live tables, with their indexes (named after the copy: renamed back at the swap). */
async function createFresh(db: Db): Promise<void> {
  await dropFresh(db);
  await db.exec(TABLE_KEYS.map((k) => `CREATE TABLE ${FRESH[k]} (LIKE ${LIVE[k]} INCLUDING ALL);`).join('\n'));
}

/**
 * Drops the live tables and renames the fresh ones (and their indexes) in their place, in one transaction:
 * a search sees either the old tables or the new ones, never a mix.
 */
async function swapIn(db: Db): Promise<void> {
  await db.tx(async (tx) => {
    await tx.exec(`DROP TABLE ${TABLE_KEYS.map((k) => LIVE[k]).join(', ')}`);
    for (const k of TABLE_KEYS) {
      await tx.exec(`ALTER TABLE ${FRESH[k]} RENAME TO ${LIVE[k]}`);
      const r = await tx.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [LIVE[k]]);
      for (const { indexname } of r.rows) {
        if (!indexname.startsWith(`${FRESH[k]}_`)) continue;
        await tx.exec(`ALTER INDEX ${indexname} RENAME TO ${LIVE[k]}${indexname.slice(FRESH[k].length)}`);
      }
    }
  });
}

/**
 * Fills fresh tables from `batches`, then swaps them in. Searches are answered from the live tables until the
 * swap: each batch is its own transaction, so on PGlite (one connection) searches interleave with the fill.
 * Writes to the live tables meanwhile are lost at the swap: the caller replays what changed during the rebuild.
 */
export async function rebuildTables(
  db: Db,
  batches: AsyncIterable<SearchDoc[]>,
  onProgress?: (indexed: number) => void,
): Promise<number> {
  await createFresh(db);
  try {
    const seen = new Set<string>();
    for await (const batch of batches) {
      await writeDocs(db, FRESH, batch);
      for (const d of batch) seen.add(d.id);
      onProgress?.(seen.size);
    }
    // Statistics before the first search: the planner's choice of indexes depends on them.
    await vacuumAnalyze(db, FRESH);
    await swapIn(db);
    return seen.size;
  } catch (err) {
    await dropFresh(db).catch(() => undefined);
    throw err;
  }
}
