/**
 * Addresses of the OGC API - Records resources and the links between them (OGC API - Common link objects).
 * Pure: everything is built from the hub's public base URL.
 */

export type Format = 'json' | 'html';
export type Lang = 'fr' | 'en';

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
  hreflang?: string;
}

export const MEDIA = {
  json: 'application/json',
  catalog: 'application/ogc-catalog+json',
  geojson: 'application/geo+json',
  html: 'text/html',
  openapi: 'application/vnd.oai.openapi+json;version=3.0',
  schema: 'application/schema+json',
  xml: 'application/xml',
} as const;

/** The collection of every published resource; the others are named after their source. */
export const ALL_COLLECTION = 'all';

export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** A URL with these query parameters (undefined ones left out), in the order given. */
export function withQuery(url: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.append(k, v);
  const s = qs.toString();
  return s ? `${url}?${s}` : url;
}

export function collectionsUrl(base: string): string {
  return `${base}/collections`;
}

export function collectionUrl(base: string, collectionId: string): string {
  return `${base}/collections/${encodeURIComponent(collectionId)}`;
}

export function itemsUrl(base: string, collectionId: string): string {
  return `${collectionUrl(base, collectionId)}/items`;
}

export function itemUrl(base: string, collectionId: string, id: string): string {
  return `${itemsUrl(base, collectionId)}/${encodeURIComponent(id)}`;
}

export function sortablesUrl(base: string, collectionId: string): string {
  return `${collectionUrl(base, collectionId)}/sortables`;
}

/** The hub's native record endpoints (src/publish/native/records.ts), addressed by hub record id. */
export function nativeRecordUrl(base: string, recordId: string, suffix: '.xml' | '/original' | ''): string {
  return `${base}/records/${encodeURIComponent(recordId)}${suffix}`;
}

/**
 * `self` in the format asked and `alternate` in the other one. `lang` is carried over only when the client
 * chose it, so that the plain address stays the canonical one.
 */
export function selfLinks(url: string, format: Format, jsonType: string, params: Record<string, string | undefined> = {},
  lang?: Lang): Link[] {
  const link = (f: Format, rel: string): Link => ({
    href: withQuery(url, { ...params, f, lang }),
    rel,
    type: f === 'html' ? MEDIA.html : jsonType,
    title: f === 'html' ? 'HTML' : 'JSON',
  });
  return format === 'json' ? [link('json', 'self'), link('html', 'alternate')] : [link('html', 'self'), link('json', 'alternate')];
}
