/**
 * The SQL of one search, built from a validated SearchQuery: one statement that filters once into a
 * materialised set, then counts it, pages it (with highlights) and counts each requested facet over it. One
 * statement is one round trip, and the filter (full text through GIN, boxes through GiST, facet filters through
 * GIN or btree) runs once whatever the number of facets.
 */
import { FACETS, type Facet, type SearchQuery } from '../types.ts';
import { CONFIGS, FACET_COLUMNS, LIVE } from './tables.ts';

/** A parsed text query: tsquery texts per configuration, and their disjunction (what documents must match). */
export interface TextQuery {
  fr: string;
  en: string;
  both: string;
}

/** Positional parameters, numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * ts_rank_cd's normalisation: 1 divides by 1 + log(document length), so a long abstract that repeats a word
 * does not outrank a short record whose title is that word.
 */
const RANK_NORMALISATION = 1;

const TITLE_OPTIONS = 'StartSel=«, StopSel=», HighlightAll=true';
const SNIPPET_OPTIONS = 'StartSel=«, StopSel=», MaxWords=35, MinWords=15, ShortWord=3, MaxFragments=0';

/**
 * Any box of the document intersects any query box, edges included. The envelope is the indexed test; it is
 * exact for a document with one box, and checked against each box for a document with several.
 */
function boxCondition(q: SearchQuery, p: Params): string {
  const boxes = q.bbox!.map((b) =>
    `box(point(${p.add(b.west)}::float8, ${p.add(b.south)}::float8), point(${p.add(b.east)}::float8, ${p.add(b.north)}::float8))`);
  const any = (column: string) => `(${boxes.map((b) => `${column} && ${b}`).join(' OR ')})`;
  return `${any('d.extent')}
        AND (NOT d.multi_box OR EXISTS (SELECT 1 FROM ${LIVE.boxes} b WHERE b.doc_id = d.id AND ${any('b.box')}))`;
}

/** WHERE conditions: text, boxes (any box of the document intersects any query box), facet filters, dates. */
function conditions(q: SearchQuery, text: TextQuery | null, p: Params): string[] {
  const c: string[] = [];
  if (text) c.push(`d.tsv @@ ${p.add(text.both)}::tsquery`);
  if (q.bbox && q.bbox.length > 0) c.push(boxCondition(q, p));
  for (const f of FACETS) {
    const values = q[f];
    if (!values || values.length === 0) continue;
    const { column, array } = FACET_COLUMNS[f];
    // Within a field, values are alternatives: overlap for arrays (GIN), ANY for scalars (btree).
    c.push(array ? `d.${column} && ${p.add(values)}::text[]` : `d.${column} = ANY(${p.add(values)}::text[])`);
  }
  if (q.from) c.push(`d.date >= ${p.add(q.from)}::date`);
  if (q.to) c.push(`d.date <= ${p.add(q.to)}::date`);
  return c;
}

/** ORDER BY over the materialised set `m`; ties broken by id so that pages never overlap. */
function ordering(q: SearchQuery, text: TextQuery | null): string {
  if (q.sort === 'title') return 'm.title_key, m.id';
  if (q.sort === 'relevance' && text) return 'm.score DESC, m.date DESC NULLS LAST, m.id';
  return 'm.date DESC NULLS LAST, m.id';
}

function facetSql(f: Facet, limit: string): string {
  const { column, array } = FACET_COLUMNS[f];
  // Ties in byte order ("C"), the same on every server whatever its default collation.
  const values = array
    ? `SELECT x.v COLLATE "C" AS v, count(*)::int AS n FROM m CROSS JOIN LATERAL unnest(m.${column}) AS x(v) GROUP BY 1`
    : `SELECT m.${column} COLLATE "C" AS v, count(*)::int AS n FROM m WHERE m.${column} IS NOT NULL GROUP BY 1`;
  return `(SELECT coalesce(json_agg(json_build_array(f.v, f.n) ORDER BY f.n DESC, f.v), '[]'::json)
     FROM (${values} ORDER BY 2 DESC, 1 LIMIT ${limit}) f) AS "facet_${f}"`;
}

/** Highlight columns of a page row: title and snippet under each configuration that has a query. */
function highlightSql(text: TextQuery | null, p: Params): string {
  if (!text) return '';
  const parts: string[] = [];
  for (const cfg of ['fr', 'en'] as const) {
    if (!text[cfg]) continue;
    const tsq = `${p.add(text[cfg])}::tsquery`;
    parts.push(`'title_${cfg}', ts_headline('${CONFIGS[cfg]}', d.doc->>'title', ${tsq}, '${TITLE_OPTIONS}')`);
    parts.push(`'snippet_${cfg}', ts_headline('${CONFIGS[cfg]}', d.doc->>'abstract', ${tsq}, '${SNIPPET_OPTIONS}')`);
  }
  return parts.map((x) => `, ${x}`).join('');
}

/** The statement and its parameters for one search (the query must be valid: validate.ts). */
export function searchSql(q: SearchQuery, text: TextQuery | null): { sql: string; values: unknown[] } {
  const p = new Params();
  const rank = text ? `ts_rank_cd(d.tsv, ${p.add(text.both)}::tsquery, ${RANK_NORMALISATION})` : '0::real';
  // Ranking reads every match's vector: over the whole set only when it orders the set, else for the page.
  const rankAll = text !== null && q.sort === 'relevance';
  const where = conditions(q, text, p);
  const facets = [...new Set(q.facets ?? [])];
  const facetCols = [...new Set(facets.map((f) => `d.${FACET_COLUMNS[f].column}`))];
  const order = ordering(q, text);
  const limit = p.add(q.limit);
  const offset = p.add((q.page - 1) * q.limit);
  // Only referenced parameters may be sent: PostgreSQL cannot type an unused one.
  const facetLimit = facets.length > 0 ? p.add(q.facetLimit) : '';
  const sql = `
    WITH m AS MATERIALIZED (
      SELECT d.id, d.date, d.title_key, ${rankAll ? rank : '0::real'} AS score${facetCols.map((c) => `, ${c}`).join('')}
      FROM ${LIVE.docs} d
      ${where.length > 0 ? `WHERE ${where.join('\n        AND ')}` : ''}
    ), page AS (
      SELECT m.id, m.score, row_number() OVER (ORDER BY ${order}) AS n FROM m ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}
    )
    SELECT
      (SELECT count(*)::int FROM m) AS total,
      (SELECT coalesce(json_agg(json_build_object('doc', d.doc, 'score', ${rankAll ? 'page.score' : rank}${highlightSql(text, p)}) ORDER BY page.n), '[]'::json)
         FROM page JOIN ${LIVE.docs} d ON d.id = page.id) AS hits
      ${facets.map((f) => `, ${facetSql(f, facetLimit)}`).join('\n      ')}`;
  return { sql, values: p.values };
}

/** The text query under each configuration (empty text when the words are all stop words or punctuation). */
export const PARSE_SQL = `SELECT websearch_to_tsquery('${CONFIGS.fr}', $1)::text AS fr,
  websearch_to_tsquery('${CONFIGS.en}', $1)::text AS en,
  (websearch_to_tsquery('${CONFIGS.fr}', $1) || websearch_to_tsquery('${CONFIGS.en}', $1))::text AS both`;
