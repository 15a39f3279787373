/**
 * One search on the embedded engine: validate, parse the text under both configurations, run the single
 * statement of sql.ts, shape hits and facets; when a text query finds nothing, try it again with its unknown
 * words corrected (typo.ts) and return that instead, saying so.
 */
import type { Db } from '../../store/db.ts';
import type { Facet, FacetValue, SearchDoc, SearchHit, SearchQuery, SearchResult } from '../types.ts';
import { PARSE_SQL, searchSql, type TextQuery } from './sql.ts';
import { correctQuery } from './typo.ts';
import { validateQuery } from './validate.ts';

/** What the statement returns for one page row (highlights only for configurations that had a query). */
interface HitRow {
  doc: SearchDoc;
  score: number;
  title_fr?: string | null;
  snippet_fr?: string | null;
  title_en?: string | null;
  snippet_en?: string | null;
}

type ResultRow = { total: number; hits: HitRow[] } & Record<string, [string, number][] | unknown>;

/** Words of a browse snippet: about what ts_headline shows around a match. */
const LEAD_WORDS = 35;

/** Control characters are never meant in a search box; PostgreSQL refuses NUL outright. */
function cleanText(q: string | undefined): string {
  return (q ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
}

/** The query under both configurations; null when it has no searchable word (only punctuation, say). */
async function parseText(db: Db, q: string): Promise<TextQuery | null> {
  if (!q) return null;
  const r = await db.query<TextQuery>(PARSE_SQL, [q]);
  const text = r.rows[0];
  return text.both ? text : null;
}

/** The start of a text, whole words, as the snippet of a hit without text matches. */
function lead(text: string): string {
  const m = new RegExp(`^\\s*(?:\\S+\\s+){0,${LEAD_WORDS - 1}}\\S+`).exec(text);
  return (m ? m[0] : text).trim();
}

const marked = (s: string | null | undefined): s is string => typeof s === 'string' && s.includes('«');

/**
 * Title and snippet with «matches», from the configuration that marked something: the snippet is the extract of
 * the abstract around the matches, or the title when the abstract did not match (the port's rule); on a browse,
 * the start of the abstract.
 */
function highlight(row: HitRow, hasText: boolean): SearchHit['highlight'] {
  const { doc } = row;
  const title = [row.title_fr, row.title_en].find(marked) ?? doc.title;
  if (!hasText) return { title, snippet: doc.abstract ? lead(doc.abstract) : title };
  return { title, snippet: [row.snippet_fr, row.snippet_en].find(marked) ?? title };
}

function facetsOf(row: ResultRow, facets: Facet[]): SearchResult['facets'] {
  const out: SearchResult['facets'] = {};
  for (const f of facets) {
    const pairs = (row[`facet_${f}`] ?? []) as [string, number][];
    out[f] = pairs.map(([value, count]): FacetValue => ({ value, count }));
  }
  return out;
}

/** Runs the query as given (no correction). */
async function runOnce(db: Db, q: SearchQuery, text: TextQuery | null): Promise<SearchResult> {
  const { sql, values } = searchSql(q, text);
  const r = await db.query<ResultRow>(sql, values);
  const row = r.rows[0];
  return {
    total: row.total,
    hits: row.hits.map((h) => ({ doc: h.doc, score: text ? h.score : 0, highlight: highlight(h, text !== null) })),
    facets: facetsOf(row, [...new Set(q.facets ?? [])]),
  };
}

/**
 * Planner settings for the search statements, local to their transaction. Index pages and rows are mostly in
 * memory (PGlite's files, a server's cache): with the default random_page_cost (4) the planner scans the whole
 * table for a word in 10 % of the documents, reading every row's vector, where the GIN index reads a fraction
 * (100,000 documents: 300 ms against 50). JIT compilation would cost more than the statements it speeds up.
 */
const PLANNER = 'SET LOCAL random_page_cost = 1.1; SET LOCAL jit = off';

/** A search, with typo correction when the text found nothing. */
export async function runSearch(db: Db, query: SearchQuery): Promise<SearchResult> {
  validateQuery(query);
  return db.tx(async (t) => {
    await t.exec(PLANNER);
    return searchWithCorrection(t, query);
  });
}

async function searchWithCorrection(db: Db, query: SearchQuery): Promise<SearchResult> {
  const q = cleanText(query.q);
  const text = await parseText(db, q);
  const result = await runOnce(db, query, text);
  if (!text || result.total > 0) return result;
  const corrected = await correctQuery(db, q);
  const correctedText = corrected ? await parseText(db, corrected) : null;
  if (!correctedText) return result;
  const retried = await runOnce(db, query, correctedText);
  return retried.total > 0 ? { ...retried, suggestion: corrected!, corrected: true } : result;
}
