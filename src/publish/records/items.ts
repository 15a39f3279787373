/**
 * `/collections/{id}/items` and `/collections/{id}/items/{recordId}` (OGC 20-004r1 records-api): the query
 * parameters become one filter tree (filter.ts), compiled to SQL by src/publish/filter/sql.ts and run on the
 * catalogue (src/store/catalogue.ts), which counts the matches and returns one page in a stable order (the
 * sort keys, then the record id). Paging links carry the client's own parameters, only `offset` changing.
 */
import { HubError } from '../../errors.ts';
import { catalogueByIdentifier, queryCatalogue, type CatalogueHit } from '../../store/catalogue.ts';
import { compileFilter, compileSort } from '../filter/sql.ts';
import type { PublisherResponse } from '../native/records.ts';
import { findCollection, type CollectionInfo } from './collections.ts';
import { base, checkKnownCommon, chosenLang, COMMON_PARAMS, htmlResponse, jsonResponse, type RecordsDeps, type RecordsRequest } from './context.ts';
import { publishedId, recordFeature, type RecordFeature } from './feature.ts';
import { itemsFilter, itemsSort, SORTABLE_NAMES } from './filter.ts';
import { itemPage, itemsPage } from './html/items.ts';
import { checkKnown, parseItemsQuery, type ItemsQuery, type RawQuery } from './params.ts';
import { collectionUrl, itemsUrl, MEDIA, selfLinks, withQuery, type Link } from './urls.ts';

/** The query parameters of the items resource, as the OpenAPI document lists them. */
export const ITEMS_PARAMS: readonly string[] = [
  ...COMMON_PARAMS, 'q', 'bbox', 'datetime', 'type', 'ids', 'externalIds', 'limit', 'offset', 'sortby',
];

/** A page of records with what the links and pages need. */
export interface ItemsPage {
  collection: CollectionInfo;
  query: ItemsQuery;
  numberMatched: number;
  features: RecordFeature[];
  links: Link[];
}

/** The client's parameters, kept as written, but `f`, `lang` and `offset` (each link sets its own). */
function carried(query: RawQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (typeof v === 'string' && v !== '' && !['f', 'lang', 'offset'].includes(k)) out[k] = v;
  }
  return out;
}

/** self / alternate, then next and prev when there is such a page (Features /req/core/fc-links). */
function pageLinks(url: string, req: RecordsRequest, q: ItemsQuery, matched: number, returned: number): Link[] {
  const params = carried(req.query);
  const lang = chosenLang(req);
  const type = req.format === 'html' ? MEDIA.html : MEDIA.geojson;
  const at = (offset: number) => withQuery(url, { ...params, offset: offset > 0 ? String(offset) : undefined, f: req.format, lang });
  const links = selfLinks(url, req.format, MEDIA.geojson, { ...params, offset: q.offset > 0 ? String(q.offset) : undefined }, lang);
  if (q.offset + returned < matched) links.push({ href: at(q.offset + q.limit), rel: 'next', type });
  if (q.offset > 0) links.push({ href: at(Math.max(0, q.offset - q.limit)), rel: 'prev', type });
  return links;
}

/** Runs an items query in a collection. */
export async function itemsPageOf(deps: RecordsDeps, req: RecordsRequest, collectionId: string): Promise<ItemsPage> {
  checkKnown(req.query, ITEMS_PARAMS);
  const collection = await findCollection(deps, collectionId, req.lang);
  const q = parseItemsQuery(req.query, SORTABLE_NAMES);
  const where = compileFilter(itemsFilter(q, collection.source?.id ?? null));
  const { matched, hits } = await queryCatalogue(deps.db, { where, sort: compileSort(itemsSort(q.sortby)), offset: q.offset, limit: q.limit });
  const b = base(deps);
  const features = hits.map((hit) => recordFeature(hit, { base: b, collectionId: collection.id, format: req.format, lang: chosenLang(req) }));
  const links = [
    ...pageLinks(itemsUrl(b, collection.id), req, q, matched ?? 0, features.length),
    { href: collectionUrl(b, collection.id), rel: 'collection', type: MEDIA.json, title: collection.title },
  ];
  return { collection, query: q, numberMatched: matched ?? 0, features, links };
}

/** `GET /collections/{id}/items`: a GeoJSON FeatureCollection of records, or its HTML page. */
export async function itemsResponse(deps: RecordsDeps, req: RecordsRequest, collectionId: string): Promise<PublisherResponse> {
  const page = await itemsPageOf(deps, req, collectionId);
  if (req.format === 'html') return htmlResponse(itemsPage(page, base(deps), req.lang));
  return jsonResponse({
    type: 'FeatureCollection',
    timeStamp: new Date().toISOString(),
    numberMatched: page.numberMatched,
    numberReturned: page.features.length,
    features: page.features,
    links: page.links,
  }, MEDIA.geojson);
}

/**
 * The resource published under `id` (its identifier, or the hub's record id) if it belongs to the collection:
 * for a source's collection, the source must be one the resource is known from.
 */
async function findItem(deps: RecordsDeps, collection: CollectionInfo, id: string): Promise<CatalogueHit> {
  const hits = (await catalogueByIdentifier(deps.db, [id]))
    .filter((h) => !collection.source || h.memberSources.includes(collection.source.id));
  // An identifier match ranks before a record id match (a record id is only a fallback address).
  const hit = hits.find((h) => publishedId(h) === id) ?? hits[0];
  if (!hit) throw new HubError('record_not_found', `No record "${id}" in collection "${collection.id}".`, { locator: 'recordId' });
  return hit;
}

/** `GET /collections/{id}/items/{recordId}`. */
export async function itemResponse(deps: RecordsDeps, req: RecordsRequest, collectionId: string, id: string): Promise<PublisherResponse> {
  checkKnownCommon(req);
  const collection = await findCollection(deps, collectionId, req.lang);
  const hit = await findItem(deps, collection, id);
  const feature = recordFeature(hit, { base: base(deps), collectionId: collection.id, format: req.format, lang: chosenLang(req) });
  if (req.format === 'html') return htmlResponse(itemPage(feature, collection, base(deps), req.lang));
  return {
    ...jsonResponse({ ...feature }, MEDIA.geojson),
    headers: { 'content-type': MEDIA.geojson, 'last-modified': new Date(hit.changed).toUTCString() },
  };
}

