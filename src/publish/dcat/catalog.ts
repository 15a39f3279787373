/**
 * `GET /catalog` (and `.rdf`, `.ttl`, `.jsonld`, `.nt`): the hub's DCAT-AP 3 / GeoDCAT-AP catalogue, one page of
 * catalogue rows (one per resource, src/store/catalogue.ts) in identifier order, paged with Hydra as data.gouv.fr
 * publishes and udata's DCAT harvester reads it: the dcat:Catalog is also a hydra:Collection with
 * hydra:totalItems and hydra:view, a hydra:PartialCollectionView at the page URL with hydra:first, last, next,
 * previous (`?page=N&page_size=M`, 1-based, the request's extension kept so that a harvester stays on the format
 * it chose). `source=<id>` restricts the catalogue to the resources harvested from one source; that catalogue is
 * the source's own dcat:Catalog, the one the catalogue records point to.
 */
import { createHash } from 'node:crypto';
import { DataFactory, type NamedNode, type Quad } from 'n3';
import { HubError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { catalogueByIdentifier, catalogueGeneration, queryCatalogue, type CatalogueHit, type SqlCondition } from '../../store/catalogue.ts';
import { getSource, type SourceDef } from '../../store/sources.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import { catalogProperty, datasetQuads, resourceIri, sourceCatalogIri, type DcatContext, type DcatMember } from '../../../mappings/dcat-ap/write.ts';
import { euLanguageIri, bcp47 } from '../../../mappings/dcat-ap/write-languages.ts';
import { QuadList, iri, integer, text } from '../../../mappings/dcat-ap/write-terms.ts';
import { DCAT, DCT, FOAF, HYDRA } from '../../../mappings/dcat-ap/vocab.ts';
import type { PublisherResponse } from '../native/records.ts';
import { DCAT_FORMATS, serializeQuads, type DcatFormat } from './serialize.ts';

const { namedNode } = DataFactory;

/** What the catalogue says about the hub itself (DCAT-AP 3: a catalogue has a title, description, publisher). */
export interface DcatHubInfo {
  title: string;
  description?: string;
  publisherName?: string;
  /** The hub's home page; `${baseUrl}/` when absent. */
  homepage?: string;
  /** ISO 639-2/B code of the title and description ("fre"). */
  language?: string;
}

export interface CatalogOptions {
  /** The extension of the requested path ("rdf", "ttl"…), '' for `/catalog`: paging links keep it. */
  extension?: string;
  /** The request's If-None-Match, answered with 304 when the page has not changed. */
  ifNoneMatch?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const MAX_PAGE = 1_000_000;

interface CatalogRequest {
  page: number;
  pageSize: number;
  source?: string;
}

function intParam(value: string | undefined, name: string, dflt: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new HubError('invalid_parameter', `${name} must be an integer between 1 and ${max}, got "${value}".`, { locator: name });
  }
  return n;
}

function parseRequest(query: Record<string, string | string[] | undefined>): CatalogRequest {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw new HubError('invalid_parameter', `${name} is given more than once.`, { locator: name });
    return v;
  };
  const source = one('source')?.trim();
  return {
    page: intParam(one('page'), 'page', 1, MAX_PAGE),
    pageSize: intParam(one('page_size'), 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    ...(source ? { source } : {}),
  };
}

/** `GET /catalog[.ext]`: one page of the DCAT catalogue in `format`. */
export async function catalogResponse(
  db: Db,
  query: Record<string, string | string[] | undefined>,
  format: DcatFormat,
  baseUrl: string,
  hub: DcatHubInfo,
  options: CatalogOptions = {},
): Promise<PublisherResponse> {
  const req = parseRequest(query);
  if (req.source && !(await getSource(db, req.source))) {
    throw new HubError('source_not_found', `No source with id "${req.source}".`, { locator: 'source' });
  }
  const headers: Record<string, string> = {
    'content-type': `${DCAT_FORMATS[format].mediaType}; charset=utf-8`,
    etag: await etagOf(db, req, format, baseUrl, hub, options.extension ?? ''),
  };
  if (!options.extension) headers.vary = 'Accept';
  if (options.ifNoneMatch && options.ifNoneMatch.split(/\s*,\s*/).includes(headers.etag)) {
    return { status: 304, headers, body: '' };
  }
  const where: SqlCondition | undefined = req.source ? { sql: '$1 = ANY(c.sources)', params: [req.source] } : undefined;
  const { matched, hits } = await queryCatalogue(db, {
    ...(where ? { where } : {}),
    sort: [{ column: 'identifier', descending: false }],
    offset: (req.page - 1) * req.pageSize,
    limit: req.pageSize,
  });
  const quads = await pageQuads(db, hits, matched ?? hits.length, req, baseUrl, hub, options.extension ?? '');
  return { status: 200, headers, body: await serializeQuads(quads, format) };
}

/** Changes with the catalogue (its generation), the request and what the hub says about itself. */
async function etagOf(db: Db, req: CatalogRequest, format: DcatFormat, baseUrl: string, hub: DcatHubInfo, ext: string): Promise<string> {
  const generation = await catalogueGeneration(db);
  const key = JSON.stringify([generation, req, format, ext, baseUrl, hub]);
  return `"dcat-${createHash('sha1').update(key).digest('hex').slice(0, 32)}"`;
}

async function pageQuads(
  db: Db, hits: CatalogueHit[], total: number, req: CatalogRequest, baseUrl: string, hub: DcatHubInfo, ext: string,
): Promise<Quad[]> {
  const sources = await sourcesOf(db, hits, req.source);
  const served = await servedDatasets(db, hits, baseUrl);
  const q = new QuadList();
  const catalog = namedNode(req.source ? sourceCatalogIri(baseUrl, req.source) : `${baseUrl}/catalog`);
  describeCatalog(q, catalog, req, baseUrl, hub, sources.get(req.source ?? '')?.title);
  const out: Quad[] = [];
  const subCatalogs = new Set<string>();
  for (const hit of hits) {
    const members: DcatMember[] = hit.members.map((id, i) => {
      const source = sources.get(hit.memberSources[i]);
      return { recordId: id, sourceId: hit.memberSources[i], ...(source?.title ? { sourceTitle: source.title } : {}),
        ...(source?.url ? { sourceUrl: source.url } : {}) };
    });
    const ctx: DcatContext = { baseUrl, recordId: hit.recordId, identifier: hit.identifier, members, changed: hit.changed, servedDatasets: served };
    q.add(catalog, DCAT(catalogProperty(hit.record)), namedNode(resourceIri(baseUrl, hit.recordId)));
    for (const m of members) subCatalogs.add(m.sourceId);
    out.push(...describeResource(hit.record, ctx));
  }
  // The hub catalogue lists the source catalogues its records come from (DCAT 3 dcat:catalog).
  if (!req.source) for (const s of subCatalogs) q.add(catalog, DCAT('catalog'), namedNode(sourceCatalogIri(baseUrl, s)));
  hydraView(q, catalog, total, req, baseUrl, ext);
  return [...q.quads, ...out];
}

/**
 * The resource's description; should the writer fail on a record it did not foresee, a minimal one (class,
 * identifier, title) rather than a failed page: one odd record must not stop every harvester of the hub.
 */
function describeResource(rec: MdRecord, ctx: DcatContext): Quad[] {
  try {
    return datasetQuads(rec, ctx);
  } catch {
    const q = new QuadList();
    const s = namedNode(resourceIri(ctx.baseUrl, ctx.recordId));
    q.type(s, catalogProperty(rec) === 'service' ? DCAT('DataService') : DCAT('Dataset'));
    q.add(s, DCT('identifier'), text(ctx.identifier));
    q.add(s, DCT('title'), text(typeof rec.title === 'string' ? rec.title : ctx.identifier));
    return q.quads;
  }
}

/** The sources of the page's records (a few: never the whole list, which counts every source's records). */
async function sourcesOf(db: Db, hits: CatalogueHit[], filter?: string): Promise<Map<string, SourceDef>> {
  const ids = [...new Set([...hits.flatMap((h) => h.memberSources), ...(filter ? [filter] : [])])];
  const found = await Promise.all(ids.map((id) => getSource(db, id)));
  return new Map(found.filter((s): s is SourceDef => s !== null).map((s) => [s.id, s]));
}

function describeCatalog(q: QuadList, catalog: NamedNode, req: CatalogRequest, baseUrl: string, hub: DcatHubInfo, sourceTitle?: string): void {
  const lang = bcp47(hub.language);
  q.type(catalog, DCAT('Catalog'), HYDRA('Collection'));
  if (req.source) {
    q.add(catalog, DCT('title'), text(sourceTitle?.trim() || req.source));
    q.add(catalog, DCT('description'), text(`${hub.title} — ${sourceTitle?.trim() || req.source}`, lang));
    q.add(catalog, DCT('isPartOf'), namedNode(`${baseUrl}/catalog`));
  } else {
    q.add(catalog, DCT('title'), text(hub.title, lang));
    q.add(catalog, DCT('description'), text(hub.description ?? hub.title, lang));
  }
  const publisher = q.node(FOAF('Agent'), FOAF('Organization'));
  q.add(publisher, FOAF('name'), text(hub.publisherName ?? hub.title));
  q.add(catalog, DCT('publisher'), publisher);
  q.add(catalog, DCT('language'), iri(euLanguageIri(hub.language)));
  q.add(catalog, FOAF('homepage'), iri(hub.homepage ?? `${baseUrl}/`, ['http', 'https']));
}

/** The page URL of page `n`, with the request's extension and filter. */
function pageUrl(baseUrl: string, ext: string, n: number, req: CatalogRequest): string {
  const source = req.source ? `&source=${encodeURIComponent(req.source)}` : '';
  return `${baseUrl}/catalog${ext ? `.${ext}` : ''}?page=${n}&page_size=${req.pageSize}${source}`;
}

function hydraView(q: QuadList, catalog: NamedNode, total: number, req: CatalogRequest, baseUrl: string, ext: string): void {
  const last = Math.max(1, Math.ceil(total / req.pageSize));
  const view = namedNode(pageUrl(baseUrl, ext, req.page, req));
  const link = (n: number) => namedNode(pageUrl(baseUrl, ext, n, req));
  q.add(catalog, HYDRA('totalItems'), integer(total));
  q.add(catalog, HYDRA('view'), view);
  q.type(view, HYDRA('PartialCollectionView'));
  q.add(view, HYDRA('first'), link(1));
  q.add(view, HYDRA('last'), link(last));
  if (req.page < last) q.add(view, HYDRA('next'), link(req.page + 1));
  if (req.page > 1) q.add(view, HYDRA('previous'), link(Math.min(req.page - 1, last)));
}

/** `id=` of a GetRecordById URL, `uuid=` of GeoNetwork's (how services reference the records they operate on). */
function idParam(href: string): string | undefined {
  const m = /[?&](?:id|uuid)=([^&#]+)/i.exec(href);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** srv:operatesOn / coupled resources of the page's services -> the hub IRIs of the datasets they name. */
async function servedDatasets(db: Db, hits: CatalogueHit[], baseUrl: string): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const rec of hits.map((h) => h.record).filter((r: MdRecord) => r.service)) {
    for (const o of rec.service!.operatesOn) {
      if (o.uuidref) refs.set(o.uuidref, o.uuidref);
      const id = o.href ? idParam(o.href) : undefined;
      if (o.href && id) refs.set(o.href, id);
    }
    for (const c of rec.service!.coupledResources) refs.set(c.identifier, c.identifier);
  }
  const out = new Map<string, string>();
  if (refs.size === 0) return out;
  const found = await catalogueByIdentifier(db, [...new Set(refs.values())]);
  const byId = new Map<string, string>();
  for (const h of found) {
    const target = resourceIri(baseUrl, h.recordId);
    byId.set(h.recordId, target);
    if (!byId.has(h.identifier)) byId.set(h.identifier, target);
  }
  for (const [ref, id] of refs) {
    const target = byId.get(id);
    if (target) out.set(ref, target);
  }
  return out;
}

const EXTENSIONS: Readonly<Record<string, DcatFormat>> = {
  rdf: 'rdf-xml', xml: 'rdf-xml', ttl: 'turtle', nt: 'n-triples', jsonld: 'json-ld', json: 'json-ld',
};

/** Media types clients send -> format (udata's and rdflib's names included). */
const MEDIA_TYPES: Readonly<Record<string, DcatFormat>> = {
  'application/rdf+xml': 'rdf-xml',
  'application/xml': 'rdf-xml',
  'text/xml': 'rdf-xml',
  'text/turtle': 'turtle',
  'application/x-turtle': 'turtle',
  'application/turtle': 'turtle',
  'application/n-triples': 'n-triples',
  'application/ld+json': 'json-ld',
  'application/json': 'json-ld',
};

/**
 * The format of a `/catalog` request: the path's extension when there is one, else the Accept header (q-values
 * honoured, the most specific range first among equals). RDF/XML is the default: what `*\/*` gets (udata's
 * harvester sends it with the HEAD it decides the format from), what data.gouv.fr itself serves first and what
 * every DCAT-AP harvester reads. An unknown extension is a 404, an Accept naming only other types a 406.
 */
export function negotiateDcatFormat(accept: string | undefined, extension: string | undefined): DcatFormat {
  if (extension) {
    const f = EXTENSIONS[extension.toLowerCase()];
    if (!f) throw new HubError('not_found', `No DCAT catalogue in format "${extension}".`, { locator: 'extension' });
    return f;
  }
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return 'rdf-xml';
  for (const r of ranges) {
    if (r.type === '*/*' || r.type === 'application/*') return 'rdf-xml';
    if (r.type === 'text/*') return 'turtle';
    const f = MEDIA_TYPES[r.type];
    if (f) return f;
  }
  throw new HubError('not_acceptable', `The catalogue is served as ${Object.keys(MEDIA_TYPES).join(', ')}.`, { locator: 'Accept' });
}

/** Accept media ranges with q > 0, best first (stable among equal q, more specific before wildcards). */
function parseAccept(accept: string | undefined): { type: string; q: number }[] {
  if (!accept?.trim()) return [];
  const ranges = accept.split(',').map((part, i) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const wildcard = type === '*/*' ? 2 : type.endsWith('/*') ? 1 : 0;
    return { type, q: Number.isFinite(q) ? q : 0, wildcard, i };
  });
  return ranges
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.wildcard - b.wildcard || a.i - b.i)
    .map(({ type, q }) => ({ type, q }));
}
