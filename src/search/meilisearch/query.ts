/**
 * SearchQuery -> Meilisearch search request, and Meilisearch response -> SearchResult. Pure.
 *
 * Text: the port's web-search syntax (words all required, "phrases", `-word`, `OR`) as PostgreSQL's
 * websearch_to_tsquery reads it, so both engines agree: `OR` (any case) has a lower precedence than the
 * implicit AND, so `a b OR c d` is (a AND b) OR (c AND d). Meilisearch's `q` has phrases and `-` exclusions
 * but no OR, so a query with OR is split into its alternatives (`a b`, `c d`) and sent as one federated
 * multi-search on this index: Meilisearch unions the candidates of the alternatives,
 * counts each document once, computes the facets over the union and merges the hits by ranking score.
 * Words are all required (matchingStrategy `all`), as in the embedded engine. Unlike it, Meilisearch has no
 * stemming (plurals and inflections match through typo tolerance and prefix search of the last word, so
 * "routes" finds "route" but "city" does not find "cities") and reads only the first 10 words of a query.
 *
 * Totals are exact. A plain search reports `totalHits` capped at pagination.maxTotalHits; when the cap is
 * reached, the total is the sum of the `type` facet counts instead (facets are counted over every candidate,
 * not just the first maxTotalHits, and every document has exactly one type), so `type` is always counted.
 * A federated search reports the size of the union itself.
 */
import type { FederatedMultiSearchParams, Hit, SearchParams, SearchResponse } from 'meilisearch';
import { SearchError, type FacetValue, type SearchHit, type SearchQuery, type SearchResult } from '../types.ts';
import { DATE_FIELD, DOC_FIELDS, TITLE_SORT_FIELD, fromMeiliDoc } from './document.ts';
import { FACET_FIELDS, buildFilter } from './filter.ts';

/** The highlight markers of the port (SearchHit.highlight). */
export const HIGHLIGHT = { pre: '«', post: '»' };
/** Words in a snippet. */
export const SNIPPET_WORDS = 30;
/** Alternatives an OR query may expand to (each is one query of the multi-search). */
export const MAX_ALTERNATIVES = 16;

export interface Term {
  text: string;
  phrase: boolean;
  negated: boolean;
}

/** A request to send: one search, or a federated multi-search for a query with OR. */
export type SearchPlan =
  | { kind: 'search'; body: SearchParams }
  | { kind: 'federated'; body: FederatedMultiSearchParams };

/**
 * The alternatives of a web-search query (a disjunction of conjunctions); [] for an empty query. As in
 * websearch_to_tsquery, OR splits the query: `a b OR c d` is (a AND b) OR (c AND d); an `or` with no term on
 * one side of it is an ordinary word.
 */
export function parseWebsearch(input: string): Term[][] {
  const tokens = tokenize(input);
  const alternatives: Term[][] = [[]];
  tokens.forEach((token, i) => {
    const current = alternatives.at(-1)!;
    if (token !== 'OR') return current.push(token);
    const termAfter = tokens.slice(i + 1).some((t) => t !== 'OR');
    if (current.length > 0 && termAfter) alternatives.push([]);
    // An OR right after another (`a OR OR b`) adds nothing; a leading or trailing one is the word "or".
    else if (current.length > 0 || alternatives.length === 1) current.push({ text: 'or', phrase: false, negated: false });
  });
  const nonEmpty = alternatives.filter((alt) => alt.length > 0);
  if (nonEmpty.length > MAX_ALTERNATIVES) {
    throw new SearchError(`q has too many OR alternatives (at most ${MAX_ALTERNATIVES})`, 'query');
  }
  return nonEmpty;
}

/** Words, "phrases" (an unclosed quote runs to the end), `-` exclusions and the OR keyword. */
function tokenize(input: string): (Term | 'OR')[] {
  const out: (Term | 'OR')[] = [];
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  for (const m of input.matchAll(re)) {
    if (m[3] !== undefined) {
      const term = word(m[3]);
      if (term) out.push(term);
    } else {
      const text = m[2].replace(/\s+/g, ' ').trim();
      if (text) out.push({ text, phrase: true, negated: m[1] === '-' });
    }
  }
  return out;
}

function word(raw: string): Term | 'OR' | null {
  if (raw.toLowerCase() === 'or') return 'OR';
  const negated = raw.startsWith('-');
  // A quote inside a word would open a phrase in Meilisearch; leading dashes would read as exclusions.
  const text = raw.replace(/"/g, '').replace(/^-+/, '');
  if (!/[\p{L}\p{N}]/u.test(text)) return null;
  return { text, phrase: false, negated };
}

/** One alternative as Meilisearch's `q`: words, "phrases", -exclusions. */
export function meiliQ(terms: Term[]): string {
  return terms.map((t) => `${t.negated ? '-' : ''}${t.phrase ? `"${t.text}"` : t.text}`).join(' ');
}

/**
 * The sort of a query: newest first for a browse ranked "by relevance", which has no relevance. Ties are
 * broken by id, as in the embedded engine, so that both page the same way.
 */
function sortOf(q: SearchQuery, hasText: boolean): string[] | undefined {
  if (q.sort === 'title') return [`${TITLE_SORT_FIELD}:asc`, 'id:asc'];
  if (q.sort === 'date' || !hasText) return [`${DATE_FIELD}:desc`, 'id:asc'];
  return undefined;
}

/** Facet fields to count: the query's, plus `type` for the exact total. */
export function facetFields(q: SearchQuery): string[] {
  return [...new Set([...q.facets.map((f) => FACET_FIELDS[f]), FACET_FIELDS.type])];
}

/** Parameters shared by a plain search and each query of a federated one. */
function commonParams(q: SearchQuery, hasText: boolean): SearchParams {
  const params: SearchParams = {};
  const filter = buildFilter(q);
  if (filter !== undefined) params.filter = filter;
  const sort = sortOf(q, hasText);
  if (sort) params.sort = sort;
  return {
    ...params,
    matchingStrategy: 'all',
    attributesToRetrieve: DOC_FIELDS,
    attributesToHighlight: ['title', 'abstract'],
    highlightPreTag: HIGHLIGHT.pre,
    highlightPostTag: HIGHLIGHT.post,
    attributesToCrop: ['abstract'],
    cropLength: SNIPPET_WORDS,
    cropMarker: '…',
    // Which fields matched: the snippet is the abstract when it matched, else the title.
    showMatchesPosition: true,
    showRankingScore: true,
  };
}

/** The request for a query on index `indexUid`. */
export function searchPlan(q: SearchQuery, indexUid: string): SearchPlan {
  const alternatives = parseWebsearch(q.q ?? '');
  const hasText = alternatives.length > 0;
  const common = commonParams(q, hasText);
  if (alternatives.length <= 1) {
    const text = hasText ? { q: meiliQ(alternatives[0]) } : {};
    return { kind: 'search', body: { ...text, ...common, facets: facetFields(q), page: q.page, hitsPerPage: q.limit } };
  }
  return {
    kind: 'federated',
    body: {
      federation: { offset: (q.page - 1) * q.limit, limit: q.limit, facetsByIndex: { [indexUid]: facetFields(q) } },
      queries: alternatives.map((alt) => ({ indexUid, q: meiliQ(alt), ...common })),
    },
  };
}

/** The SearchResult of a Meilisearch response to `searchPlan(q, indexUid)`. */
export function toSearchResult(
  response: SearchResponse,
  q: SearchQuery,
  ctx: { kind: SearchPlan['kind']; indexUid: string; maxTotalHits: number },
): SearchResult {
  const hasText = parseWebsearch(q.q ?? '').length > 0;
  const distribution =
    ctx.kind === 'search' ? response.facetDistribution : response.facetsByIndex?.[ctx.indexUid]?.distribution;
  const total =
    ctx.kind === 'search'
      ? exactTotal(response.totalHits ?? 0, distribution?.[FACET_FIELDS.type], ctx.maxTotalHits)
      : (response.estimatedTotalHits ?? 0);
  const facets: SearchResult['facets'] = {};
  for (const facet of q.facets) facets[facet] = facetValues(distribution?.[FACET_FIELDS[facet]], q.facetLimit);
  return { total, hits: response.hits.map((h) => toHit(h, hasText)), facets };
}

/** totalHits below the cap is exact; at the cap, every document counted once in its single `type`. */
function exactTotal(totalHits: number, types: Record<string, number> | undefined, maxTotalHits: number): number {
  if (totalHits < maxTotalHits || !types) return totalHits;
  return Math.max(totalHits, Object.values(types).reduce((a, b) => a + b, 0));
}

/** Most frequent first; equal counts by value, so that the order does not depend on the engine. */
function facetValues(counts: Record<string, number> | undefined, limit: number): FacetValue[] {
  return Object.entries(counts ?? {})
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, limit);
}

function toHit(hit: Hit, hasText: boolean): SearchHit {
  const doc = fromMeiliDoc(hit);
  const formatted = (hit._formatted ?? {}) as Record<string, unknown>;
  const title = typeof formatted.title === 'string' ? formatted.title : doc.title;
  const abstract = typeof formatted.abstract === 'string' ? formatted.abstract : doc.abstract;
  const abstractMatched = (hit._matchesPosition?.abstract?.length ?? 0) > 0;
  // With words: the abstract extract around them when it matched, else the highlighted title.
  // A browse: the start of the abstract.
  const snippet = doc.abstract && (abstractMatched || !hasText) ? abstract : title;
  const score = hasText ? (hit._rankingScore ?? hit._federation?.weightedRankingScore ?? 0) : 0;
  return { doc, score, highlight: { title, snippet } };
}

/** Fields a suggestion is searched in and built from. */
export const SUGGEST_FIELDS = ['title', 'keywords'];

/**
 * The request behind suggest(): the typed text as a prefix search (Meilisearch treats the last word of `q` as
 * a prefix) on titles and keywords; `last` lets a half-typed second word still complete the first.
 */
export function suggestRequest(prefix: string, limit: number): SearchParams & { q: string } {
  // Quotes and leading dashes mean phrases and exclusions to Meilisearch: not what someone typing means.
  const q = prefix.replace(/"/g, ' ').replace(/(^|\s)-+/g, '$1').replace(/\s+/g, ' ').trim();
  return { q, attributesToSearchOn: SUGGEST_FIELDS, attributesToRetrieve: SUGGEST_FIELDS, limit, matchingStrategy: 'last' };
}

/**
 * Completions from the hits of suggestRequest, in rank order: for each hit, its keywords that start with what
 * was typed, then its title; distinct regardless of case and accents.
 */
export function completions(hits: Hit[], prefix: string, limit: number): string[] {
  const typed = fold(prefix.trim());
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (text: string) => {
    const key = fold(text);
    if (!key || seen.has(key)) return;
    seen.add(key);
    out.push(text);
  };
  for (const hit of hits) {
    const keywords = Array.isArray(hit.keywords) ? (hit.keywords as unknown[]).filter((k): k is string => typeof k === 'string') : [];
    keywords.filter((k) => fold(k).startsWith(typed)).forEach(add);
    if (typeof hit.title === 'string') add(hit.title);
  }
  return out.slice(0, limit);
}

/** Lower case, accents removed, spaces collapsed. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
