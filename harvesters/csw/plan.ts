/**
 * How to list one source, decided from its capabilities and options before the first GetRecords (pure):
 * output schema (ISO 19139 full records when offered, else Dublin Core; `options.outputSchema` forces one),
 * binding (POST XML when offered, else GET KVP), endpoint (the advertised DCP URL, else the source URL),
 * stable sort, page size (options.pageSize, default 100, bounded by MaxRecordDefault), and the incremental
 * `Modified >= since` clause when the server can filter on it.
 */
import type { CswCapabilities } from './capabilities.ts';
import { NS_CSW, NS_DCAT, NS_GMD, sinceDate, type GetRecordsQuery, type SourceConstraint } from './requests.ts';

export const DEFAULT_PAGE_SIZE = 100;

/** Per output schema: the typeNames to ask for, the queryables to sort and filter on. */
export const OUTPUT_SCHEMAS: Readonly<Record<string, { typeNames: string; identifier: string; modified: string }>> = {
  [NS_GMD]: { typeNames: 'gmd:MD_Metadata', identifier: 'apiso:Identifier', modified: 'apiso:Modified' },
  [NS_CSW]: { typeNames: 'csw:Record', identifier: 'dc:identifier', modified: 'dct:modified' },
  // GeoNetwork's DCAT output (one rdf:RDF per record); its queryables are the ISO ones.
  [NS_DCAT]: { typeNames: 'gmd:MD_Metadata', identifier: 'apiso:Identifier', modified: 'apiso:Modified' },
};

export interface CswOptions {
  outputSchema?: string;
  pageSize?: number;
  constraint?: SourceConstraint;
  /** false: never send SortBy (a server that rejects it). */
  sort?: boolean;
}

export interface HarvestPlan {
  method: 'GET' | 'POST';
  url: string;
  /** The query of every page; startPosition and maxRecords change per page. */
  query: Omit<GetRecordsQuery, 'startPosition' | 'maxRecords'>;
  pageSize: number;
  /** True when the query carries the modified-since clause. */
  incremental: boolean;
  notes: string[];
}

/** Decides the listing; throws an Error when a forced output schema is unknown. */
export function planHarvest(sourceUrl: string, caps: CswCapabilities, options: CswOptions, since?: Date): HarvestPlan {
  const notes: string[] = [];
  const outputSchema = chooseSchema(caps, options, notes);
  const schema = OUTPUT_SCHEMAS[outputSchema];
  const method = caps.getRecords.post || !caps.getRecords.get ? 'POST' : 'GET';
  const url = endpointOf(method === 'POST' ? caps.getRecords.post : caps.getRecords.get, sourceUrl);
  const query: HarvestPlan['query'] = { outputSchema, typeNames: schema.typeNames };
  if (options.constraint) query.constraint = options.constraint;
  if (options.sort !== false && canQuery(caps, schema.identifier)) query.sortBy = schema.identifier;
  const incremental = since !== undefined && canFilterModified(caps, schema.modified, options.constraint);
  if (incremental) query.modifiedSince = { property: schema.modified, date: sinceDate(since) };
  else if (since) notes.push(`the server cannot filter on ${schema.modified}: full listing`);
  return { method, url, query, pageSize: pageSizeOf(caps, options, notes), incremental, notes };
}

function chooseSchema(caps: CswCapabilities, options: CswOptions, notes: string[]): string {
  if (options.outputSchema) {
    if (!OUTPUT_SCHEMAS[options.outputSchema]) {
      throw new Error(`unsupported outputSchema ${options.outputSchema}; supported: ${Object.keys(OUTPUT_SCHEMAS).join(', ')}`);
    }
    if (caps.outputSchemas.length > 0 && !caps.outputSchemas.includes(options.outputSchema)) {
      notes.push(`outputSchema ${options.outputSchema} is not advertised by the server: asked anyway (options.outputSchema)`);
    }
    return options.outputSchema;
  }
  // A capabilities document that lists no output schema (sections-limited) says nothing: ISO is tried.
  if (caps.outputSchemas.length === 0 || caps.outputSchemas.includes(NS_GMD)) return NS_GMD;
  notes.push('the server offers no ISO 19139 output: harvesting Dublin Core records');
  return NS_CSW;
}

/** True when the capabilities list this queryable, or list no queryables at all (nothing said). */
function canQuery(caps: CswCapabilities, queryable: string): boolean {
  const [prefix, local] = queryable.split(':');
  if (prefix === 'apiso') return caps.isoQueryables.length === 0 || caps.isoQueryables.includes(local.toLowerCase());
  return caps.dcQueryables.length === 0 || caps.dcQueryables.includes(queryable.toLowerCase());
}

/**
 * The incremental clause needs the queryable listed explicitly, a constraint language that can carry it (FILTER,
 * or CQL_TEXT when the source's own constraint is CQL) and, when Filter_Capabilities lists comparison operators,
 * GreaterThanEqualTo among them.
 */
function canFilterModified(caps: CswCapabilities, modified: string, constraint: SourceConstraint | undefined): boolean {
  const [prefix, local] = modified.split(':');
  const listed = prefix === 'apiso' ? caps.isoQueryables.includes(local.toLowerCase()) : caps.dcQueryables.includes(modified.toLowerCase());
  const language = constraint?.language ?? 'FILTER';
  const languageOk = caps.constraintLanguages.length === 0 || caps.constraintLanguages.includes(language);
  const ops = caps.comparisonOperators.map((o) => o.replace(/^PropertyIs/, '').replace('OrEqualTo', 'EqualTo'));
  const operatorOk = ops.length === 0 || ops.includes('GreaterThanEqualTo');
  return listed && languageOk && operatorOk;
}

function pageSizeOf(caps: CswCapabilities, options: CswOptions, notes: string[]): number {
  const wanted = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (caps.maxRecordDefault !== undefined && wanted > caps.maxRecordDefault) {
    notes.push(`page size ${wanted} lowered to the server's MaxRecordDefault ${caps.maxRecordDefault}`);
    return caps.maxRecordDefault;
  }
  return wanted;
}

/**
 * An advertised DCP URL, resolved against the source URL. The source URL is used instead when none is advertised,
 * when it is unusable, or when it names a loopback or `.local` host other than the source's (GeoNetwork and pycsw
 * behind a proxy often advertise http://localhost:8080/…). Same host advertised in http for an https source: https.
 */
export function endpointOf(dcp: string | undefined, sourceUrl: string): string {
  if (!dcp) return sourceUrl;
  let url: URL;
  let source: URL;
  try {
    url = new URL(dcp, sourceUrl);
    source = new URL(sourceUrl);
  } catch {
    return sourceUrl;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return sourceUrl;
  if (url.hostname !== source.hostname && isLocalHost(url.hostname)) return sourceUrl;
  if (url.host === source.host && source.protocol === 'https:') url.protocol = 'https:';
  return url.href;
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || /^127\./.test(host) || host === '[::1]';
}
