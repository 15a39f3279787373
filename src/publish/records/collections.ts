/**
 * `/collections`, `/collections/{id}` and `/collections/{id}/sortables` (OGC 20-004r1 record-collection,
 * records-api and sorting building blocks). The hub publishes one catalogue `all` with every resource, and one
 * per harvest source with the resources known from it (a resource harvested from two sources is in both).
 */
import { HubError } from '../../errors.ts';
import { getSource, listSources, type SourceDef } from '../../store/sources.ts';
import type { PublisherResponse } from '../native/records.ts';
import {
  base, checkJsonOnly, checkKnownCommon, chosenLang, htmlResponse, jsonResponse, type RecordsDeps, type RecordsRequest,
} from './context.ts';
import { catalogueExtent, sourceExtents, type CollectionExtent } from '../../store/catalogue-extents.ts';
import { SORTABLES } from './filter.ts';
import { collectionPage, collectionsPage } from './html/pages.ts';
import { messages } from './i18n.ts';
import {
  ALL_COLLECTION, collectionsUrl, collectionUrl, itemsUrl, MEDIA, selfLinks, sortablesUrl, type Format, type Lang, type Link,
} from './urls.ts';

/** A collection as the publishers know it: `source` is null for `all`. */
export interface CollectionInfo {
  id: string;
  title: string;
  description: string;
  source: SourceDef | null;
}

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const GREGORIAN = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';
const SORTABLES_REL = 'http://www.opengis.net/def/rel/ogc/1.0/sortables';

function info(source: SourceDef | null, lang: Lang): CollectionInfo {
  const t = messages(lang);
  if (!source) return { id: ALL_COLLECTION, title: t.allTitle, description: t.allDescription, source: null };
  // A directory source's url is a path on the hub's disk: only a web address is worth publishing.
  const from = /^https?:\/\//i.test(source.url) ? source.url : source.title ?? source.id;
  return { id: source.id, title: source.title ?? source.id, description: t.sourceDescription(from), source };
}

/**
 * The collection named `id`, or a 404. `all` is the catalogue of every resource; a source named `all` is
 * shadowed by it (source ids are free-form: see the report).
 */
export async function findCollection(deps: RecordsDeps, id: string, lang: Lang): Promise<CollectionInfo> {
  if (id === ALL_COLLECTION) return info(null, lang);
  const source = await getSource(deps.db, id);
  if (!source) throw new HubError('not_found', `No collection "${id}".`, { locator: 'collectionId' });
  return info(source, lang);
}

/** Features / Common `extent`: the bounding box in CRS84 and the temporal interval. */
function extentJson(e: CollectionExtent): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (e.spatial) out.spatial = { bbox: [[e.spatial.west, e.spatial.south, e.spatial.east, e.spatial.north]], crs: CRS84 };
  if (e.temporal) out.temporal = { interval: [[e.temporal.start, e.temporal.end]], trs: GREGORIAN };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One collection document (catalog.yaml: type Collection, itemType record). */
export function collectionJson(c: CollectionInfo, extent: CollectionExtent, b: string, format: Format, lang?: Lang): Record<string, unknown> {
  const links: Link[] = [
    ...selfLinks(collectionUrl(b, c.id), format, MEDIA.json, {}, lang),
    { href: itemsUrl(b, c.id), rel: 'items', type: MEDIA.geojson, title: 'GeoJSON' },
    { href: `${itemsUrl(b, c.id)}?f=html`, rel: 'items', type: MEDIA.html, title: 'HTML' },
    { href: sortablesUrl(b, c.id), rel: SORTABLES_REL, type: MEDIA.schema },
    { href: `${b}/`, rel: 'root', type: MEDIA.json },
  ];
  if (c.source && /^https?:\/\//i.test(c.source.url)) links.push({ href: c.source.url, rel: 'via', title: c.source.type });
  const extentPart = extentJson(extent);
  return {
    id: c.id,
    type: 'Collection',
    itemType: 'record',
    title: c.title,
    description: c.description,
    ...(extentPart ? { extent: extentPart } : {}),
    crs: [CRS84],
    'moisson:count': extent.count,
    links,
  };
}

const EMPTY: CollectionExtent = { count: 0, spatial: null, temporal: null };

/** `GET /collections`: `all`, then every source in id order. */
export async function collectionsResponse(deps: RecordsDeps, req: RecordsRequest): Promise<PublisherResponse> {
  checkKnownCommon(req);
  const b = base(deps);
  const lang = chosenLang(req);
  const [sources, total, perSource] = [await listSources(deps.db), await catalogueExtent(deps.db), await sourceExtents(deps.db)];
  const collections = [
    collectionJson(info(null, req.lang), total, b, req.format, lang),
    ...sources.filter((s) => s.id !== ALL_COLLECTION)
      .map((s) => collectionJson(info(s, req.lang), perSource.get(s.id) ?? EMPTY, b, req.format, lang)),
  ];
  if (req.format === 'html') return htmlResponse(collectionsPage(collections, b, req.lang));
  const links = selfLinks(collectionsUrl(b), req.format, MEDIA.json, {}, lang);
  return jsonResponse({ collections, links }, req.catalogJson ? MEDIA.catalog : MEDIA.json);
}

/** `GET /collections/{id}`. */
export async function collectionResponse(deps: RecordsDeps, req: RecordsRequest, id: string): Promise<PublisherResponse> {
  checkKnownCommon(req);
  const c = await findCollection(deps, id, req.lang);
  const extent = c.source ? (await sourceExtents(deps.db)).get(c.source.id) ?? EMPTY : await catalogueExtent(deps.db);
  const doc = collectionJson(c, extent, base(deps), req.format, chosenLang(req));
  if (req.format === 'html') return htmlResponse(collectionPage(doc, base(deps), req.lang));
  return jsonResponse(doc, req.catalogJson ? MEDIA.catalog : MEDIA.json);
}

/**
 * `GET /collections/{id}/sortables` (Records /req/sorting/get-sortables-success): a JSON Schema whose
 * properties are what `sortby` accepts. JSON Schema only, whatever the Accept header says.
 */
export async function sortablesResponse(deps: RecordsDeps, req: RecordsRequest, id: string): Promise<PublisherResponse> {
  checkJsonOnly(req);
  const c = await findCollection(deps, id, req.lang);
  const properties = Object.fromEntries(Object.entries(SORTABLES).map(([name, s]) => [
    name, { type: s.type, ...(s.format ? { format: s.format } : {}), 'x-ogc-queryable': s.queryable },
  ]));
  return jsonResponse({
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: sortablesUrl(base(deps), c.id),
    type: 'object',
    title: `${c.title} — ${messages(req.lang).sortables}`,
    properties,
    additionalProperties: false,
  }, MEDIA.schema);
}
