/**
 * Pure request building and link policy of the DCAT harvester (STYLE §5): the Accept header, which Hydra
 * links may be followed, and the page after a failed one.
 */
import type { FetchRequest } from '../http.ts';

/**
 * Content negotiation: JSON-LD first (data.gouv.fr, udata and CKAN answer it on their catalogue endpoints), then
 * Turtle and RDF/XML (GeoNetwork's rdf.search, CKAN's catalog.ttl/.rdf), plain XML/JSON last for servers that
 * label RDF generically. The syntax is confirmed on the answer (Content-Type and first bytes).
 */
export const DCAT_ACCEPT =
  'application/ld+json, text/turtle;q=0.9, application/rdf+xml;q=0.9, application/n-triples;q=0.8, ' +
  'application/json;q=0.5, application/xml;q=0.4, text/xml;q=0.4, */*;q=0.1';

/** The request for one catalogue page. */
export function pageRequest(url: string, signal?: AbortSignal): FetchRequest {
  return { url, headers: { accept: DCAT_ACCEPT }, ...(signal ? { signal } : {}) };
}

export type NextLink = { url: string } | { refused: string };

/**
 * A Hydra next link, resolved against the page URL, if it may be followed: http(s), on the source's host (a
 * catalogue never pages onto another host; following one would let a document steer the harvester anywhere),
 * not already fetched in this run (servers that loop back to page 1).
 */
export function followable(next: string, pageUrl: string, sourceUrl: string, visited: ReadonlySet<string>): NextLink {
  let url: URL;
  try {
    url = new URL(next, pageUrl);
  } catch {
    return { refused: `next page link "${next}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `next page link ${url.href} is not http(s)` };
  if (url.host !== new URL(sourceUrl).host) return { refused: `next page link ${url.href} leaves the source's host` };
  if (visited.has(url.href)) return { refused: `next page link ${url.href} was already fetched (paging loop)` };
  return { url: url.href };
}

/**
 * The page after `url` when `url` failed and its next link is unknown: data.gouv.fr and CKAN number pages with a
 * `page` query parameter, so page N+1 is tried while it is not past the last page announced (hydra:last).
 */
export function pageAfter(url: string, lastUrl: string | undefined): string | undefined {
  const u = new URL(url);
  const n = Number(u.searchParams.get('page'));
  if (!Number.isInteger(n) || n < 1 || !lastUrl) return undefined;
  let last: number;
  try {
    last = Number(new URL(lastUrl, url).searchParams.get('page'));
  } catch {
    return undefined;
  }
  if (!Number.isInteger(last) || n + 1 > last) return undefined;
  u.searchParams.set('page', String(n + 1));
  return u.href;
}
