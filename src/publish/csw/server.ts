/**
 * The CSW 2.0.2 server at `/csw` (issue 5 §1): parses a request (request.ts), runs it on the published
 * catalogue (src/store/catalogue.ts) with filters compiled through the queryables table
 * (src/publish/filter/sql.ts), and writes the answer with the document writers of this folder. Every failure
 * becomes an OWS ExceptionReport with its exceptionCode and locator, never a stack trace.
 *
 * A publisher: request in, `{status, headers, body}` out; it knows nothing of koa.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { HubError, toHubError } from '../../errors.ts';
import { findQueryable } from '../../../mappings/queryables.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import type { Db } from '../../store/db.ts';
import {
  ALL, catalogueByIdentifier, catalogueDomain, catalogueGeneration, queryCatalogue, type CatalogueRow, type CatalogueSort,
  type SqlCondition,
} from '../../store/catalogue.ts';
import { compileFilter, compileSort } from '../filter/sql.ts';
import type { PublisherResponse } from '../native/records.ts';
import {
  MAX_RECORDS, OPERATIONS, parseKvp, parseXmlRequest, type CswRequest, type GetDomainRequest, type GetRecordByIdRequest,
  type GetRecordsRequest,
} from './request.ts';
import { capabilities, type CapabilitiesOptions } from './capabilities.ts';
import { describeRecord } from './describe-record.ts';
import { exceptionReport } from './exception.ts';
import { recordElements, writeRecordElement } from './record-elements.ts';
import { parameterDomain } from './domains.ts';
import { deflatePiece, unpackPiece } from '../../http/gzip-stitch.ts';
import {
  acknowledgement, getDomainResponse, getRecordByIdResponseBytes, getRecordsResponseBytes, getRecordsResponseGzip,
} from './results.ts';

/** What the capabilities say about the hub (title, provider, INSPIRE metadata): the deployment's, French first. */
export type CswServiceInfo = Omit<CapabilitiesOptions, 'baseUrl' | 'sections' | 'language'>;

export interface CswDeps {
  db: Db;
  baseUrl: string;
  service?: Partial<CswServiceInfo>;
}

/** fileIdentifier of the hub's own discovery-service record (served by GetRecordById, INSPIRE MetadataUrl). */
export const SERVICE_METADATA_ID = 'moisson-csw';

/** The defaults a hub announces until its deployment says otherwise (AppDeps.service). */
export function defaultServiceInfo(baseUrl: string): CswServiceInfo {
  const host = (() => {
    try {
      return new URL(baseUrl).hostname;
    } catch {
      return 'localhost';
    }
  })();
  return {
    identification: {
      title: 'moisson — catalogue fédéré de métadonnées géographiques',
      abstract: 'Service de découverte (CSW 2.0.2, profil ISO et INSPIRE) des fiches de métadonnées moissonnées ' +
        'par le hub auprès des catalogues de ses partenaires ; chaque ressource y est publiée une fois, avec toutes ses provenances.',
      keywords: ['catalogue', 'métadonnées', 'CSW', 'INSPIRE', 'infoCatalogueService'],
      fees: 'aucun',
      accessConstraints: ['aucune'],
    },
    provider: { name: 'moisson', site: baseUrl },
    inspire: {
      serviceMetadataId: SERVICE_METADATA_ID,
      metadataDate: new Date().toISOString().slice(0, 10),
      pointOfContact: { organisationName: 'moisson', email: `contact@${host}` },
      languages: ['fre', 'eng'],
    },
  };
}

function serviceInfo(deps: CswDeps): CswServiceInfo {
  const d = defaultServiceInfo(deps.baseUrl);
  const s = deps.service ?? {};
  return {
    ...d, ...s,
    identification: { ...d.identification, ...s.identification },
    provider: { ...d.provider, ...s.provider },
    inspire: { ...d.inspire, ...s.inspire },
  };
}

/**
 * The hub's own discovery-service record (INSPIRE: the service metadata the capabilities point at), as a record
 * of the model so the ISO writer writes it like any other.
 */
export function serviceRecord(deps: CswDeps): MdRecord {
  const info = serviceInfo(deps);
  const endpoint = `${deps.baseUrl}/csw`;
  const contact = { organisationName: info.inspire.pointOfContact.organisationName, emails: [info.inspire.pointOfContact.email], role: 'pointOfContact' };
  return {
    identifier: info.inspire.serviceMetadataId, hierarchyLevel: 'service', metadataLanguage: 'fre', metadataCharacterSet: 'utf8',
    metadataDate: info.inspire.metadataDate, metadataContacts: [contact], locales: [],
    title: info.identification.title, alternateTitles: [], abstract: info.identification.abstract, translations: {},
    resourceIdentifiers: [], dates: [{ date: info.inspire.metadataDate, type: 'revision' }], status: [],
    resourceContacts: [contact],
    keywords: [{ keywords: [{ text: 'infoCatalogueService' }],
      thesaurus: { title: 'ISO 19119 geographic services taxonomy', date: '2010-01-19', dateType: 'publication' } }],
    topicCategories: [], resourceLanguages: [], bboxes: [], geographicDescriptions: [], temporalExtents: [],
    spatialRepresentationTypes: [], spatialResolutions: [], referenceSystems: [],
    constraints: [{ kind: 'legal', useLimitations: [], accessConstraints: ['otherRestrictions'], useConstraints: [],
      otherConstraints: [{ text: 'Pas de restriction d’accès public', href: 'http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations' }] }],
    conformity: [], distributionFormats: [], graphicOverviews: [],
    onlineResources: [{ url: `${endpoint}?service=CSW&version=2.0.2&request=GetCapabilities`, protocol: 'OGC:CSW', function: 'search',
      name: info.identification.title }],
    service: { type: 'discovery', typeVersions: ['2.0.2'], couplingType: 'loose',
      operations: ['GetCapabilities', 'DescribeRecord', 'GetRecords', 'GetRecordById', 'GetDomain']
        .map((name) => ({ name, dcp: ['WebServices'], urls: [endpoint] })), operatesOn: [], coupledResources: [] },
  };
}

export interface CswHttpRequest {
  method: string;
  /** Parsed query string (KVP). */
  query: Record<string, string | string[] | undefined>;
  /** The raw query string, echoed by resultType=validate. */
  querystring?: string;
  /** The POST body as text, and its media type. */
  body?: string;
  contentType?: string;
  /** The client accepts a gzip-encoded answer (Accept-Encoding). */
  acceptsGzip?: boolean;
}

const XML_HEADERS = { 'content-type': 'application/xml; charset=utf-8' };

/** zlib's gzip in libuv's thread pool, off the event loop. */
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/**
 * Level 1, nginx's default: 0.4 ms for a 120 KB page of ten ISO records against 1 ms at level 6, for 20 KB
 * instead of 15 KB. Every page a harvester walks is compressed once and sent once: the CPU matters more.
 */
const GZIP_LEVEL = 1;

function xml(status: number, body: string | Buffer): PublisherResponse {
  return { status, headers: { ...XML_HEADERS }, body };
}

/** The SOAP 1.2 envelope around an answer to a SOAP request (pycsw and GeoNetwork answer in kind). */
function soapEnvelope(body: string, fault: boolean): string {
  const inner = body.replace(/^<\?xml[^>]*\?>\s*/, '');
  const content = fault
    ? `<soap:Fault><soap:Code><soap:Value>soap:Server</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">ExceptionReport</soap:Text></soap:Reason><soap:Detail>${inner}</soap:Detail></soap:Fault>`
    : inner;
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>${content}</soap:Body></soap:Envelope>`;
}

/** Parses a KVP form body (`application/x-www-form-urlencoded` POST). */
function formParams(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!(k in out)) out[k] = v;
  return out;
}

/** The answer to one HTTP request on /csw. */
export async function cswResponse(deps: CswDeps, req: CswHttpRequest): Promise<PublisherResponse> {
  let soap = false;
  try {
    let request: CswRequest;
    if (req.method === 'POST') {
      const body = req.body ?? '';
      if (/^application\/x-www-form-urlencoded/i.test(req.contentType ?? '')) {
        request = parseKvp(formParams(body), body);
      } else if (body.trim() === '') {
        throw new HubError('missing_parameter', 'The POST body is empty: send a CSW request in XML.', { locator: 'request' });
      } else {
        const parsed = parseXmlRequest(body);
        soap = parsed.soap;
        request = parsed.request;
      }
    } else {
      if (Object.keys(req.query).length === 0) {
        throw new HubError('missing_parameter',
          'No request: try ?service=CSW&version=2.0.2&request=GetCapabilities.', { locator: 'request' });
      }
      request = parseKvp(req.query, req.querystring ?? '');
    }
    const gzipped = !soap && req.acceptsGzip === true;
    const answer = await dispatch(deps, request, gzipped);
    if (typeof answer === 'string' || Buffer.isBuffer(answer)) return xml(200, soap ? soapEnvelope(answer.toString('utf8'), false) : answer);
    // A kept answer travels compressed to clients that accept gzip (OWSLib, udata and GeoNetwork do).
    if (gzipped) {
      answer.gzip ??= await gzipAsync(answer.xml!, { level: GZIP_LEVEL });
      return { status: 200, headers: { ...XML_HEADERS, 'content-encoding': 'gzip', vary: 'Accept-Encoding' }, body: answer.gzip };
    }
    // Kept gzipped only (stitched for a client that accepted gzip): inflated for those that do not, and not kept
    // inflated (eight times the size the answer cache counted for it).
    const plain = answer.xml ?? await gunzipAsync(answer.gzip!);
    return xml(200, soap ? soapEnvelope(plain.toString('utf8'), false) : plain);
  } catch (err) {
    const e = toHubError(err);
    const report = exceptionReport(e);
    return xml(e.status, soap ? soapEnvelope(report, true) : report);
  }
}

/** The answer to a parsed request; `gzip`: the client takes a gzipped answer (a GetRecords page may come as one). */
async function dispatch(deps: CswDeps, r: CswRequest, gzip: boolean): Promise<string | Buffer | CachedAnswer> {
  switch (r.request) {
    case 'GetCapabilities':
      return capabilities({ ...serviceInfo(deps), baseUrl: deps.baseUrl, sections: r.sections, language: r.language });
    case 'DescribeRecord':
      return describeRecord(r.typeNames.length > 0 ? r.typeNames : ['csw:Record', 'gmd:MD_Metadata']);
    case 'GetRecords':
      return getRecords(deps, r, gzip);
    case 'GetRecordById':
      return getRecordById(deps, r);
    case 'GetDomain':
      return getDomain(deps, r);
  }
}

/**
 * Whole GetRecords answers by query and catalogue generation: the same page asked again while the catalogue
 * has not changed (the first page of every search, a page several harvesters walk) costs one small query. Its
 * SearchStatus timestamp stays the one of when its result set was computed, which is what it means.
 */
const answers = new LRUCache<string, CachedAnswer>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (a) => Math.max(1, (a.xml?.length ?? 0) + (a.gzip?.length ?? 0)),
});

/** The keys of GetRecords answers asked once, not kept (yet). */
const askedOnce = new LRUCache<string, true>({ max: 20_000 });

/**
 * A GetRecords answer kept for its query and generation, with its gzip form once a client that accepts gzip
 * asked for it (XML compresses ~8:1: a page of ten ISO records goes from ~130 KB to ~15 KB on the wire).
 */
interface CachedAnswer {
  generation: number;
  /** The answer's UTF-8 bytes (at least one of xml and gzip is set). */
  xml?: Buffer;
  gzip?: Buffer;
}

async function getRecords(deps: CswDeps, r: GetRecordsRequest, gzip: boolean): Promise<string | CachedAnswer> {
  // Compiled first: a bad filter or sort key is reported even for resultType=validate or hits.
  const where = r.constraint ? compileFilter(r.constraint.filter) : ALL;
  const sort = compileSort(r.sortBy);
  if (r.resultType === 'validate') return acknowledgement({ echo: r.echo, requestId: r.requestId });
  const limit = r.resultType === 'hits' ? 0 : Math.min(r.maxRecords, MAX_RECORDS);
  const key = JSON.stringify([deps.baseUrl, where, sort, r.startPosition, limit, r.resultType, r.outputSchema, r.elementSet,
    r.elementNames, r.requestId]);
  const known = answers.get(key);
  if (known && known.generation === await catalogueGeneration(deps.db)) return known;
  const answer: CachedAnswer = await getRecordsAnswer(deps, r, where, sort, limit, gzip);
  // Kept from the second time it is asked: a harvester walking the catalogue asks each page once, and keeping
  // those would only push the pages asked again (first pages of searches) out, and load the garbage collector.
  if (answer.generation !== 0) {
    if (askedOnce.has(key)) answers.set(key, answer);
    else askedOnce.set(key, true);
  }
  return answer;
}

/**
 * A GetRecords page. Full ISO records for a client that accepts gzip come gzipped, stitched from the pieces the
 * index sync stored (catalogue.iso_gz): the records' text is neither decoded nor compressed here.
 */
async function getRecordsAnswer(
  deps: CswDeps, r: GetRecordsRequest, where: SqlCondition, sort: CatalogueSort[], limit: number, gzip: boolean,
): Promise<CachedAnswer> {
  const fullIso = r.outputSchema === 'gmd' && r.elementSet === 'full' && r.elementNames.length === 0;
  const stitch = gzip && fullIso && r.resultType === 'results';
  const { matched, hits, generation } = await queryCatalogue(deps.db, {
    where, sort, offset: r.startPosition - 1, limit, records: false, iso: stitch ? 'gz' : fullIso,
  });
  const total = matched ?? 0;
  const returned = hits.length;
  const after = r.startPosition + returned;
  // nextRecord: the next record not yet returned, 0 when none is left (a hits answer points at startPosition).
  const nextRecord = r.resultType === 'hits'
    ? (r.startPosition <= total ? r.startPosition : 0)
    : (returned > 0 && after <= total ? after : 0);
  const response = {
    requestId: r.requestId,
    timestamp: new Date(),
    matched: total,
    returned,
    nextRecord,
    elementSet: r.elementSet,
    recordSchema: r.outputSchema === 'gmd' ? 'http://www.isotc211.org/2005/gmd' : 'http://www.opengis.net/cat/csw/2.0.2',
    resultType: r.resultType,
  };
  if (stitch) {
    // A row the sync has not packed yet (written before migration 8) is written and compressed now.
    const stored = hits.map((h) => (h.isoGz ? unpackPiece(h.isoGz) : null));
    const unpacked = hits.filter((_, i) => stored[i] === null);
    const written = await recordElements(deps.db, unpacked, 'gmd', 'full', [], deps.baseUrl);
    const now = new Map(unpacked.map((h, i) => [h.recordId, deflatePiece(Buffer.from(written[i]))]));
    const pieces = hits.map((h, i) => stored[i] ?? now.get(h.recordId)!);
    return { generation, gzip: getRecordsResponseGzip(response, pieces) };
  }
  const records = await recordElements(deps.db, hits, r.outputSchema, r.elementSet, r.elementNames, deps.baseUrl);
  return { generation, xml: getRecordsResponseBytes({ ...response, records }) };
}

async function getRecordById(deps: CswDeps, r: GetRecordByIdRequest): Promise<Buffer> {
  // Full ISO comes from the catalogue row (the record is read only where the sync has not written it).
  const fullIso = r.outputSchema === 'gmd' && (r.elementSet ?? 'full') === 'full';
  const hits: (CatalogueRow & { record?: MdRecord })[] = fullIso
    ? await catalogueByIdentifier(deps.db, r.ids, { records: false })
    : await catalogueByIdentifier(deps.db, r.ids);
  // In the order asked, each once (an id may name a record by its identifier and by its hub id).
  const seen = new Set<string>();
  const ordered: (CatalogueRow & { record?: MdRecord })[] = [];
  for (const id of r.ids) {
    for (const h of hits) {
      if ((h.identifier === id || h.recordId === id) && !seen.has(h.recordId)) {
        seen.add(h.recordId);
        ordered.push(h);
      }
    }
  }
  const elements = await recordElements(deps.db, ordered, r.outputSchema, r.elementSet, [], deps.baseUrl);
  // The hub's own service record, which the INSPIRE capabilities point at, is not in the catalogue.
  const serviceId = serviceInfo(deps).inspire.serviceMetadataId;
  if (r.ids.includes(serviceId) && !ordered.some((h) => h.identifier === serviceId)) {
    const record = serviceRecord(deps);
    elements.push(writeRecordElement({ recordId: serviceId, identifier: serviceId, record, members: [], memberSources: [],
      changed: new Date(0) }, r.outputSchema, r.elementSet, [], deps.baseUrl));
  }
  return getRecordByIdResponseBytes(elements);
}

async function getDomain(deps: CswDeps, r: GetDomainRequest): Promise<string> {
  if (r.parameterName) {
    const domain = parameterDomain(r.parameterName);
    if (!domain) {
      throw new HubError('invalid_parameter', `Unknown ParameterName "${r.parameterName}"; use Operation.parameter, ` +
        `e.g. GetRecords.outputSchema (operations: ${OPERATIONS.join(', ')}).`, { locator: 'ParameterName' });
    }
    return getDomainResponse({ parameterName: domain.name, values: domain.values.map((value) => ({ value })) });
  }
  const q = findQueryable(r.propertyName!);
  if (!q) throw new HubError('invalid_parameter', `Unknown PropertyName "${r.propertyName}".`, { locator: 'PropertyName' });
  if (!q.column || q.kind === 'anytext') {
    throw new HubError('invalid_parameter', `${q.name} has no list of values.`, { locator: 'PropertyName' });
  }
  const isArray = q.kind === 'texts' || q.kind === 'numbers' || q.kind === 'dates';
  const values = await catalogueDomain(deps.db, q.column, isArray);
  return getDomainResponse({ propertyName: r.propertyName!, values });
}

