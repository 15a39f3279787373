/**
 * `GET /api/search`, the portal's search across every producer (issue 4 §3). A publisher: parsed parameters
 * in (src/search/query.ts), `{status, headers, body}` out; it knows nothing of koa.
 *
 * The answer is JSON: `{total, page, limit, hits, facets, suggestion?}`. Each hit is one resource (the index
 * keeps one document per group of records sharing a resource identifier) with its producers, and links to
 * its preferred record in every format. Harvested text is untrusted: the only HTML in the answer is the
 * highlighted snippet, escaped here with the `«…»` match markers turned into `<mark>` elements.
 */
import { HubError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { parseSearchQuery, type RawParams } from '../search/query.ts';
import { SearchError, type Facet, type SearchHit, type SearchIndex, type SearchResult } from '../search/types.ts';
import type { PublisherResponse } from './native/records.ts';

/** Search answers change with every harvest: a browser or proxy may reuse one for a short while only. */
export const SEARCH_HEADERS: Record<string, string> = {
  'cache-control': 'public, max-age=30',
  'access-control-allow-origin': '*',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Highlighted plain text (matches between `«` and `»`, src/search/types.ts) -> safe HTML: everything escaped,
 * each complete `«…»` pair turned into `<mark>…</mark>`. A lone marker is left as the character it is.
 */
export function highlightHtml(text: string): string {
  let html = '';
  let last = 0;
  for (const m of text.matchAll(/«([^«»]*)»/g)) {
    html += `${escapeHtml(text.slice(last, m.index))}<mark>${escapeHtml(m[1])}</mark>`;
    last = m.index + m[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

/** Source id -> title (null when the source has none, or is gone). */
async function sourceTitles(db: Db, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const r = await db.query<{ id: string; title: string | null }>('SELECT id, title FROM sources WHERE id = ANY($1::text[])', [ids]);
  return new Map(r.rows.map((row) => [row.id, row.title]));
}

function hitJson(hit: SearchHit, titles: Map<string, string | null>, baseUrl: string): Record<string, unknown> {
  const d = hit.doc;
  const record = `${baseUrl}/records/${encodeURIComponent(d.id)}`;
  return {
    id: d.id,
    title: d.title,
    titleHtml: highlightHtml(hit.highlight.title || d.title),
    snippet: highlightHtml(hit.highlight.snippet),
    type: d.type,
    producers: d.sources.map((id) => ({ id, title: titles.get(id) ?? null })),
    organisations: d.organisations,
    // As OGC API Records' extent.spatial.bbox: a list of [minx, miny, maxx, maxy] (a box crossing the antimeridian is two).
    bbox: d.bboxes.map((b) => [b.west, b.south, b.east, b.north]),
    date: d.date,
    temporal: d.temporal,
    formats: d.formats,
    license: d.license,
    thumbnail: d.thumbnail,
    links: { json: `${record}.json`, xml: `${record}.xml`, original: `${record}/original` },
  };
}

function facetsJson(result: SearchResult, asked: Facet[], titles: Map<string, string | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const facet of asked) {
    const values = result.facets[facet] ?? [];
    out[facet] = facet === 'source'
      ? values.map((v) => ({ value: v.value, count: v.count, title: titles.get(v.value) ?? null }))
      : values.map((v) => ({ value: v.value, count: v.count }));
  }
  return out;
}

/** Adapter signals -> the hub's error catalogue: a query the engine cannot take is the client's 400. */
function searchFailure(err: unknown): never {
  if (!(err instanceof SearchError)) throw err;
  if (err.kind === 'query') throw new HubError('invalid_parameter', `Invalid q: ${err.message}`, { locator: 'q', cause: err });
  if (err.kind === 'unavailable') throw new HubError('search_unavailable', 'The search engine is unavailable; try again shortly.', { cause: err });
  throw err;
}

/** `GET /api/search`. `index` is null when the hub has no search index (the response is then a 503). */
export async function searchResponse(db: Db, index: SearchIndex | null, params: RawParams, baseUrl: string): Promise<PublisherResponse> {
  const query = parseSearchQuery(params);
  if (!index) throw new HubError('search_unavailable', 'This hub has no search index.');
  const result = await index.search(query).catch(searchFailure);
  const sourceIds = new Set(result.hits.flatMap((h) => h.doc.sources));
  for (const v of result.facets.source ?? []) sourceIds.add(v.value);
  const titles = await sourceTitles(db, [...sourceIds]);
  const body: Record<string, unknown> = {
    total: result.total,
    page: query.page,
    limit: query.limit,
    hits: result.hits.map((h) => hitJson(h, titles, baseUrl)),
    facets: facetsJson(result, query.facets, titles),
  };
  if (result.suggestion) {
    body.suggestion = result.suggestion;
    body.corrected = result.corrected === true;
  }
  return { status: 200, headers: { ...SEARCH_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body };
}
