/**
 * Pure builders of CSW 2.0.2 requests (STYLE §5: building requests is apart from fetching them, and tested
 * alone): GetCapabilities and GetRecords as KVP URLs (OGC 07-006r1 §10.8.4) and GetRecords as a POST XML body
 * (§10.8.5), with the OGC Filter 1.1 / CQL constraint that carries the incremental `Modified >= since` clause
 * and the source's own constraint, and the SortBy that makes paging stable.
 */
import { elements, parseXml, serializeElement, type XmlElement } from '../../mappings/xml/index.ts';

export const NS_CSW = 'http://www.opengis.net/cat/csw/2.0.2';
export const NS_OGC = 'http://www.opengis.net/ogc';
export const NS_GMD = 'http://www.isotc211.org/2005/gmd';
export const NS_APISO = 'http://www.opengis.net/cat/csw/apiso/1.0';
export const NS_DC = 'http://purl.org/dc/elements/1.1/';
export const NS_DCT = 'http://purl.org/dc/terms/';
export const NS_GML = 'http://www.opengis.net/gml';
export const NS_DCAT = 'http://www.w3.org/ns/dcat#';

/** Prefixes a request may use (constraint fragments included), declared on every request body and in NAMESPACE. */
export const REQUEST_NAMESPACES: Readonly<Record<string, string>> = {
  csw: NS_CSW,
  ogc: NS_OGC,
  gmd: NS_GMD,
  apiso: NS_APISO,
  dc: NS_DC,
  dct: NS_DCT,
  gml: NS_GML,
};

/** The source's own constraint: CQL text, or the inner part of an OGC Filter 1.1 (one operator element). */
export type SourceConstraint = { language: 'CQL_TEXT'; text: string } | { language: 'FILTER'; xml: string };

/** One GetRecords request, whatever its encoding. */
export interface GetRecordsQuery {
  outputSchema: string;
  /** `gmd:MD_Metadata` or `csw:Record`. */
  typeNames: string;
  /** 1-based. */
  startPosition: number;
  maxRecords: number;
  /** Queryable to sort on, ascending (e.g. `apiso:Identifier`); none when the server cannot sort. */
  sortBy?: string;
  /** Incremental harvest: only records whose `property` (apiso:Modified / dct:modified) is >= `date`. */
  modifiedSince?: { property: string; date: string };
  constraint?: SourceConstraint;
}

/** `base` with these KVP parameters set, replacing any of the same name whatever its case (KVP names are case-insensitive). */
export function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  const names = new Set(Object.keys(params).map((k) => k.toLowerCase()));
  for (const key of [...url.searchParams.keys()]) if (names.has(key.toLowerCase())) url.searchParams.delete(key);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** GetCapabilities KVP URL on the source's endpoint. */
export function getCapabilitiesUrl(base: string): string {
  return withParams(base, { SERVICE: 'CSW', REQUEST: 'GetCapabilities', ACCEPTVERSIONS: '2.0.2' });
}

/** GetRecords as a KVP URL (used when the server offers no POST binding). */
export function getRecordsUrl(base: string, q: GetRecordsQuery): string {
  const params: Record<string, string> = {
    SERVICE: 'CSW',
    VERSION: '2.0.2',
    REQUEST: 'GetRecords',
    RESULTTYPE: 'results',
    TYPENAMES: q.typeNames,
    OUTPUTSCHEMA: q.outputSchema,
    ELEMENTSETNAME: 'full',
    STARTPOSITION: String(q.startPosition),
    MAXRECORDS: String(q.maxRecords),
    NAMESPACE: namespaceParam(),
  };
  const constraint = constraintOf(q);
  if (constraint) {
    params.CONSTRAINTLANGUAGE = constraint.language;
    params.CONSTRAINT_LANGUAGE_VERSION = constraint.language === 'FILTER' ? '1.1.0' : '1.0.0';
    params.CONSTRAINT = constraint.language === 'FILTER' ? filterElement(constraint.xml) : constraint.text;
  }
  // §10.8.4.10: SORTBY=name:A (A = ascending).
  if (q.sortBy) params.SORTBY = `${q.sortBy}:A`;
  return withParams(base, params);
}

/** GetRecords as an XML body for POST (OGC 07-006r1 §10.8.5; element order from CSW-discovery.xsd). */
export function getRecordsBody(q: GetRecordsQuery): string {
  const declarations = Object.entries(REQUEST_NAMESPACES)
    .map(([p, uri]) => ` xmlns:${p}="${escapeXml(uri)}"`)
    .join('');
  const constraint = constraintOf(q);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<csw:GetRecords${declarations} service="CSW" version="2.0.2" resultType="results" startPosition="${q.startPosition}"` +
      ` maxRecords="${q.maxRecords}" outputSchema="${escapeXml(q.outputSchema)}">`,
    `  <csw:Query typeNames="${escapeXml(q.typeNames)}">`,
    '    <csw:ElementSetName>full</csw:ElementSetName>',
  ];
  if (constraint?.language === 'FILTER') {
    lines.push(`    <csw:Constraint version="1.1.0">${filterElement(constraint.xml, false)}</csw:Constraint>`);
  } else if (constraint) {
    lines.push(`    <csw:Constraint version="1.1.0"><csw:CqlText>${escapeXml(constraint.text)}</csw:CqlText></csw:Constraint>`);
  }
  if (q.sortBy) {
    lines.push(
      `    <ogc:SortBy><ogc:SortProperty><ogc:PropertyName>${escapeXml(q.sortBy)}</ogc:PropertyName>` +
        '<ogc:SortOrder>ASC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy>',
    );
  }
  lines.push('  </csw:Query>', '</csw:GetRecords>', '');
  return lines.join('\n');
}

/**
 * The whole constraint of a query: the incremental clause AND the source's constraint, in the source
 * constraint's language (a CQL constraint makes the whole constraint CQL), or undefined when there is none.
 */
export function constraintOf(q: GetRecordsQuery): SourceConstraint | undefined {
  const since = q.modifiedSince;
  const own = q.constraint;
  if (own?.language === 'CQL_TEXT') {
    return since ? { language: 'CQL_TEXT', text: `(${own.text}) AND ${modifiedCql(since)}` } : own;
  }
  const parts = [since ? modifiedFilter(since) : undefined, own?.xml].filter((p): p is string => !!p);
  if (parts.length === 0) return undefined;
  return { language: 'FILTER', xml: parts.length === 1 ? parts[0] : `<ogc:And>${parts.join('')}</ogc:And>` };
}

/** `property >= date` as an OGC Filter 1.1 operator (PropertyIsGreaterThanOrEqualTo, Filter 1.1 §11.2). */
export function modifiedFilter(since: { property: string; date: string }): string {
  return (
    `<ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>${escapeXml(since.property)}</ogc:PropertyName>` +
    `<ogc:Literal>${escapeXml(since.date)}</ogc:Literal></ogc:PropertyIsGreaterThanOrEqualTo>`
  );
}

function modifiedCql(since: { property: string; date: string }): string {
  return `${since.property} >= '${since.date.replace(/'/g, "''")}'`;
}

/** `<ogc:Filter>` around an operator; standalone (with its namespace declarations) for a KVP CONSTRAINT. */
function filterElement(inner: string, standalone = true): string {
  if (!standalone) return `<ogc:Filter>${inner}</ogc:Filter>`;
  const declarations = Object.entries(REQUEST_NAMESPACES)
    .filter(([p]) => p !== 'csw')
    .map(([p, uri]) => ` xmlns:${p}="${escapeXml(uri)}"`)
    .join('');
  return `<ogc:Filter${declarations}>${inner}</ogc:Filter>`;
}

/** KVP NAMESPACE parameter (§10.8.4.4): xmlns(prefix=uri),… for the prefixes used in TYPENAMES and constraints. */
function namespaceParam(): string {
  return Object.entries(REQUEST_NAMESPACES)
    .map(([p, uri]) => `xmlns(${p}=${uri})`)
    .join(',');
}

/** The date `days` before `since`, as an ISO date (YYYY-MM-DD, UTC): servers compare dates, not instants, reliably. */
export function sinceDate(since: Date, days = 1): string {
  return new Date(since.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Reads `source.options.constraint`: text starting with '<' is an OGC Filter 1.1 — either a whole `ogc:Filter`
 * or the one operator element it holds, with the prefixes of REQUEST_NAMESPACES usable undeclared —; any
 * other text is CQL_TEXT. The XML goes through the safe parser and is written back, so a request body never
 * carries a malformed or entity-declaring fragment. Throws an Error saying what is wrong.
 */
export function parseSourceConstraint(text: string): SourceConstraint {
  const t = text.trim();
  if (!t) throw new Error('constraint is empty');
  if (!t.startsWith('<')) return { language: 'CQL_TEXT', text: t };
  const declarations = Object.entries(REQUEST_NAMESPACES)
    .map(([p, uri]) => ` xmlns:${p}="${uri}"`)
    .join('');
  let root: XmlElement;
  try {
    root = parseXml(`<wrapper${declarations}>${t}</wrapper>`, { maxBytes: 64 * 1024 }).root;
  } catch (e) {
    throw new Error(`constraint is not a well-formed OGC Filter fragment: ${(e as Error).message}`);
  }
  let operators = elements(root);
  if (operators.length === 1 && operators[0].uri === NS_OGC && operators[0].local === 'Filter') operators = elements(operators[0]);
  if (operators.length !== 1 || operators[0].uri !== NS_OGC) {
    throw new Error('constraint must be one ogc:Filter or one OGC Filter 1.1 operator element (ogc:PropertyIsEqualTo, ogc:And…)');
  }
  return { language: 'FILTER', xml: serializeElement(operators[0], { declaration: false }) };
}

/** KVP parameters of a CSW request that a source URL may carry (a pasted GetCapabilities URL) and a request replaces. */
const REQUEST_KVP = new Set(['service', 'request', 'version', 'acceptversions']);

/** The endpoint of a source URL: the same URL without the CSW request parameters it may carry. */
export function endpointBase(sourceUrl: string): string {
  const url = new URL(sourceUrl);
  for (const key of [...url.searchParams.keys()]) if (REQUEST_KVP.has(key.toLowerCase())) url.searchParams.delete(key);
  return url.href;
}
