/**
 * CSW 2.0.2 requests, from KVP (GET, or a form-encoded POST) or from an XML POST body (optionally in a SOAP 1.2
 * envelope), parsed into one request model the server dispatches on. Parsing only: constraints are parsed into
 * filter trees (src/publish/filter/) but not compiled, queryables are not resolved here.
 *
 * Clients in the wild: OWSLib (QGIS MetaSearch) POSTs GetRecords with ogc:Filter; udata POSTs GetRecords for
 * gmd:MD_Metadata, 25 a page, sorted on `apiso:identifier`; GeoNetwork's harvester POSTs GetRecords and GETs
 * GetRecordById; gdal's CSW driver POSTs GetRecords with a BBOX. Parameter names are case-insensitive in KVP
 * (OGC 06-121r3 §11.5.2), values are not, except the enumerated ones clients are known to write in any case.
 */
import { HubError } from '../../errors.ts';
import { attribute, elements, first, textOf, type XmlElement } from '../../../mappings/xml/tree.ts';
import type { Filter, SortKey } from '../filter/ast.ts';
import { parseOgcFilter, parseSortBy } from '../filter/ogc-filter.ts';
import { parseCql } from '../filter/cql.ts';
import { NS_CSW, NS_OGC, NS_OWS } from './namespaces.ts';
import {
  checkAcceptVersions, checkService, checkVersion, constraintOf, elementSetOf, invalid, kvpNamespaces, kvpSortBy, missing,
  operationOf, outputSchemaOf, parseRequestXml, positiveInt, resultTypeOf, typeNamesOf,
} from './request-values.ts';
import { OPERATIONS, type CswOperation as Operation, type ElementSet } from './domains.ts';

export { OPERATIONS, type ElementSet, type Operation };

const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

export type OutputSchema = 'csw' | 'gmd';
export type ResultType = 'hits' | 'results' | 'validate';
export type TypeName = 'csw:Record' | 'gmd:MD_Metadata';

/** Most records a GetRecords page may hold; larger maxRecords are served as this many (nextRecord says so). */
export const MAX_RECORDS = 1000;
export const DEFAULT_MAX_RECORDS = 10;

export interface GetCapabilitiesRequest {
  request: 'GetCapabilities';
  sections: string[] | null;
  /** INSPIRE LANGUAGE parameter (ISO 639-2/B). */
  language: string | null;
}

export interface DescribeRecordRequest {
  request: 'DescribeRecord';
  typeNames: TypeName[];
}

export interface Constraint {
  language: 'FILTER' | 'CQL_TEXT';
  filter: Filter;
}

export interface GetRecordsRequest {
  request: 'GetRecords';
  typeNames: TypeName[];
  resultType: ResultType;
  outputSchema: OutputSchema;
  /** null when ElementName is given instead. */
  elementSet: ElementSet | null;
  elementNames: string[];
  constraint: Constraint | null;
  sortBy: SortKey[];
  /** 1-based. */
  startPosition: number;
  maxRecords: number;
  requestId: string | null;
  /** The request as received, for resultType=validate (csw:EchoedRequest). */
  echo: string;
}

export interface GetRecordByIdRequest {
  request: 'GetRecordById';
  ids: string[];
  outputSchema: OutputSchema;
  elementSet: ElementSet;
}

export interface GetDomainRequest {
  request: 'GetDomain';
  propertyName: string | null;
  parameterName: string | null;
}

export type CswRequest = GetCapabilitiesRequest | DescribeRecordRequest | GetRecordsRequest | GetRecordByIdRequest | GetDomainRequest;

// ---- KVP ------------------------------------------------------------------------------------------------

/** Parameter names are case-insensitive; a repeated parameter keeps its first value. */
export function lowerKeys(query: Record<string, string | string[] | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(query)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined && !out.has(k.toLowerCase())) out.set(k.toLowerCase(), value);
  }
  return out;
}

/** A CSW request from KVP parameters; `raw` is the query string, echoed by resultType=validate. */
export function parseKvp(query: Record<string, string | string[] | undefined>, raw = ''): CswRequest {
  const p = lowerKeys(query);
  const op = operationOf(p.get('request'), 'request');
  checkService(p.get('service'), op);
  checkVersion(p.get('version'), op);
  const namespaces = kvpNamespaces(p.get('namespace'));
  switch (op) {
    case 'GetCapabilities':
      checkAcceptVersions(p.get('acceptversions'));
      return {
        request: op,
        sections: p.get('sections') ? p.get('sections')!.split(',').map((s) => s.trim()).filter(Boolean) : null,
        language: p.get('language')?.trim() || null,
      };
    case 'DescribeRecord':
      checkSchemaLanguage(p.get('schemalanguage'));
      return { request: op, typeNames: p.get('typename') ? typeNamesOf([p.get('typename')!], namespaces, 'typeName') : [] };
    case 'GetRecords': {
      const elementNames = (p.get('elementname') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (elementNames.length > 0 && p.get('elementsetname')) {
        throw invalid('ElementName', 'ElementSetName and ElementName are mutually exclusive.');
      }
      if (!p.get('typenames')) throw missing('typeNames');
      checkOutputFormat(p.get('outputformat'));
      return {
        request: op,
        typeNames: typeNamesOf([p.get('typenames')!], namespaces, 'typeNames'),
        resultType: resultTypeOf(p.get('resulttype')),
        outputSchema: outputSchemaOf(p.get('outputschema')),
        elementSet: elementNames.length > 0 ? null : elementSetOf(p.get('elementsetname'), 'summary'),
        elementNames,
        constraint: constraintOf(p.get('constraintlanguage'), p.get('constraint'), 'constraint'),
        sortBy: kvpSortBy(p.get('sortby')),
        startPosition: positiveInt(p.get('startposition'), 'startPosition', 1, 1),
        maxRecords: positiveInt(p.get('maxrecords'), 'maxRecords', DEFAULT_MAX_RECORDS, 0),
        requestId: p.get('requestid') ?? null,
        echo: raw,
      };
    }
    case 'GetRecordById': {
      const ids = (p.get('id') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.length === 0) throw missing('id');
      checkOutputFormat(p.get('outputformat'));
      return { request: op, ids, outputSchema: outputSchemaOf(p.get('outputschema')),
        elementSet: elementSetOf(p.get('elementsetname'), 'summary')! };
    }
    case 'GetDomain':
      return domainRequest(p.get('propertyname'), p.get('parametername'));
  }
}

function checkSchemaLanguage(value: string | undefined): void {
  if (!value) return;
  const v = value.trim();
  if (v === 'XMLSCHEMA' || v === 'http://www.w3.org/XML/Schema' || v === 'http://www.w3.org/2001/XMLSchema') return;
  throw invalid('schemaLanguage', `schemaLanguage "${value}" is not supported; use XMLSCHEMA.`);
}

function checkOutputFormat(value: string | undefined): void {
  if (!value) return;
  const v = value.trim().toLowerCase();
  if (v === 'application/xml' || v === 'text/xml') return;
  throw invalid('outputFormat', `outputFormat "${value}" is not supported; use application/xml.`);
}

function domainRequest(propertyName: string | undefined, parameterName: string | undefined): GetDomainRequest {
  const prop = propertyName?.trim() || null;
  const param = parameterName?.trim() || null;
  if (!prop && !param) throw missing('PropertyName');
  if (prop && param) throw invalid('PropertyName', 'PropertyName and ParameterName are mutually exclusive.');
  return { request: 'GetDomain', propertyName: prop, parameterName: param };
}

// ---- XML ------------------------------------------------------------------------------------------------

function att(el: XmlElement, name: string): string | undefined {
  return attribute(el, '', name);
}

/** The operation element of a POST body, out of its SOAP envelope if it has one. */
function operationElement(root: XmlElement): { el: XmlElement; soap: boolean } {
  if ((root.uri === NS_SOAP12 || root.uri === NS_SOAP11) && root.local === 'Envelope') {
    const body = elements(root).find((c) => c.local === 'Body');
    const el = body ? elements(body)[0] : undefined;
    if (!el) throw invalid('request', 'The SOAP envelope has no request in its Body.');
    return { el, soap: true };
  }
  return { el: root, soap: false };
}

export interface ParsedPost {
  request: CswRequest;
  /** The request came in a SOAP envelope: answer in one. */
  soap: boolean;
}

/** A CSW request from an XML POST body. */
export function parseXmlRequest(body: string): ParsedPost {
  const { el, soap } = operationElement(parseRequestXml(body, 'request'));
  if (el.uri !== NS_CSW) {
    throw new HubError('operation_not_supported', `<${el.local}> in namespace "${el.uri}" is not a CSW 2.0.2 request.`,
      { locator: el.local });
  }
  const op = operationOf(el.local, el.local);
  checkService(att(el, 'service'), op);
  checkVersion(att(el, 'version'), op);
  return { request: xmlRequest(op, el, body), soap };
}

function xmlRequest(op: Operation, el: XmlElement, body: string): CswRequest {
  switch (op) {
    case 'GetCapabilities': {
      const accept = first(el, [NS_OWS, 'AcceptVersions']);
      if (accept) checkAcceptVersions(elements(accept).map(textOf).join(','));
      const sections = first(el, [NS_OWS, 'Sections']);
      return { request: op, sections: sections ? elements(sections).map((s) => textOf(s).trim()) : null,
        language: att(el, 'language') ?? null };
    }
    case 'DescribeRecord': {
      checkSchemaLanguage(att(el, 'schemaLanguage'));
      const names = elements(el).filter((c) => c.uri === NS_CSW && c.local === 'TypeName');
      return { request: op, typeNames: typeNamesOf(names.map(textOf), namespacesOf(el), 'TypeName') };
    }
    case 'GetRecords':
      return getRecordsXml(el, body);
    case 'GetRecordById': {
      const ids = elements(el).filter((c) => c.uri === NS_CSW && c.local === 'Id').map((c) => textOf(c).trim()).filter(Boolean);
      if (ids.length === 0) throw missing('Id');
      checkOutputFormat(att(el, 'outputFormat'));
      return { request: op, ids, outputSchema: outputSchemaOf(att(el, 'outputSchema')),
        elementSet: elementSetOf(textOf(first(el, [NS_CSW, 'ElementSetName'])), 'summary')! };
    }
    case 'GetDomain':
      return domainRequest(textOf(first(el, [NS_CSW, 'PropertyName'])), textOf(first(el, [NS_CSW, 'ParameterName'])));
  }
}

/** Every prefix in scope at `el`, for type names written with the client's own prefixes. */
function namespacesOf(el: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  for (let e: XmlElement | null = el; e; e = e.parent) {
    for (const [p, uri] of Object.entries(e.declarations ?? {})) if (!out.has(p)) out.set(p, uri);
  }
  return out;
}

function getRecordsXml(el: XmlElement, body: string): GetRecordsRequest {
  if (first(el, [NS_CSW, 'ResponseHandler'])) {
    throw invalid('ResponseHandler', 'Asynchronous GetRecords (ResponseHandler) is not supported.');
  }
  checkOutputFormat(att(el, 'outputFormat'));
  const query = first(el, [NS_CSW, 'Query']);
  if (!query) throw missing('Query');
  const typeNamesAttr = att(query, 'typeNames');
  if (!typeNamesAttr) throw missing('typeNames');
  const elementNames = elements(query).filter((c) => c.uri === NS_CSW && c.local === 'ElementName').map((c) => textOf(c).trim());
  const setEl = first(query, [NS_CSW, 'ElementSetName']);
  if (elementNames.length > 0 && setEl) throw invalid('ElementName', 'ElementSetName and ElementName are mutually exclusive.');
  const sortEl = first(query, [NS_OGC, 'SortBy']);
  return {
    request: 'GetRecords',
    typeNames: typeNamesOf([typeNamesAttr], namespacesOf(query), 'typeNames'),
    resultType: resultTypeOf(att(el, 'resultType')),
    outputSchema: outputSchemaOf(att(el, 'outputSchema')),
    elementSet: elementNames.length > 0 ? null : elementSetOf(setEl ? textOf(setEl) : undefined, 'summary'),
    elementNames,
    constraint: xmlConstraint(first(query, [NS_CSW, 'Constraint'])),
    sortBy: sortEl ? parseSortBy(sortEl) : [],
    startPosition: positiveInt(att(el, 'startPosition'), 'startPosition', 1, 1),
    maxRecords: positiveInt(att(el, 'maxRecords'), 'maxRecords', DEFAULT_MAX_RECORDS, 0),
    requestId: att(el, 'requestId') ?? null,
    echo: body,
  };
}

function xmlConstraint(c: XmlElement | undefined): Constraint | null {
  if (!c) return null;
  const filter = first(c, [NS_OGC, 'Filter']) ?? first(c, ['http://www.opengis.net/fes/2.0', 'Filter']);
  if (filter) return { language: 'FILTER', filter: parseOgcFilter(filter) };
  const cql = first(c, [NS_CSW, 'CqlText']);
  if (cql) return { language: 'CQL_TEXT', filter: parseCql(textOf(cql)) };
  // An empty csw:Constraint: some clients send one with no condition; it constrains nothing.
  if (elements(c).length === 0) return null;
  throw invalid('Constraint', 'csw:Constraint must hold an ogc:Filter or a csw:CqlText.');
}
