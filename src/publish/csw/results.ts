/**
 * The CSW 2.0.2 responses that carry records or values: GetRecords (csw:GetRecordsResponse, OGC 07-006r1
 * §10.8.4), GetRecordById (§10.9.4), GetDomain (§10.5.4) and the acknowledgement of resultType=validate
 * (§10.8.4.13).
 *
 * Records arrive as element strings that declare their own namespaces (dc-record.ts, iso-element-set.ts):
 * the envelope is built with xmlbuilder2 and the records are spliced in as text, never parsed again.
 */
import { gzipStitch, storedPiece, type DeflatePiece } from '../../http/gzip-stitch.ts';
import type { ElementSet } from './domains.ts';
import { CSW_SCHEMA_LOCATION, NS_CSW, NS_OWS, NS_XLINK, NS_XSI } from './namespaces.ts';
import { attribute, newRoot, RECORDS_MARKER, serialize, spliceRecordBytes, spliceRecords, stripXmlDeclaration, textElement } from './xml.ts';

export interface GetRecordsResult {
  requestId?: string | null;
  /** csw:SearchStatus/@timestamp: when the result set was computed. */
  timestamp: Date | string;
  matched: number;
  /** numberOfRecordsReturned is the number of `records` written; when given, this must agree with it. */
  returned?: number;
  /** Position of the next record, 0 when none is left. */
  nextRecord: number;
  /** null when the request named elements (ElementName) instead of an element set. */
  elementSet?: ElementSet | null;
  /** The outputSchema URI of the records. */
  recordSchema: string;
  resultType: 'hits' | 'results' | 'validate';
  /** The record elements, without XML declaration; ignored for resultType=hits. */
  records: readonly string[];
}

const cswRoot = (name: string, extra: Record<string, string> = {}) =>
  newRoot(NS_CSW, name, { csw: NS_CSW, xsi: NS_XSI, ...extra }).att('xsi:schemaLocation', CSW_SCHEMA_LOCATION);

/** xs:dateTime of a Date, without milliseconds; strings are the caller's own xs:dateTime. */
function dateTime(t: Date | string): string {
  return typeof t === 'string' ? t : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** csw:GetRecordsResponse: SearchStatus, then SearchResults with the counts and the records. */
export function getRecordsResponse(r: GetRecordsResult): string {
  return getRecordsResponseBytes(r).toString('utf8');
}

/** getRecordsResponse as UTF-8 bytes, what the server sends (cheaper to assemble: spliceRecordBytes). */
export function getRecordsResponseBytes(r: GetRecordsResult): Buffer {
  const records = r.resultType === 'results' ? r.records : [];
  return spliceRecordBytes(getRecordsEnvelope(r, records.length), records);
}

/**
 * getRecordsResponse gzipped, with the records given as compressed pieces (stored ISO elements: see
 * src/http/gzip-stitch.ts): only the envelope is compressed now.
 */
export function getRecordsResponseGzip(r: Omit<GetRecordsResult, 'records'>, records: readonly DeflatePiece[]): Buffer {
  const pieces = r.resultType === 'results' ? records : [];
  const envelope = getRecordsEnvelope(r, pieces.length);
  const marker = `<!--${RECORDS_MARKER}-->`;
  const at = envelope.indexOf(marker);
  return gzipStitch([storedPiece(Buffer.from(envelope.slice(0, at))), ...pieces], Buffer.from(envelope.slice(at + marker.length)));
}

/** Stand-ins for the values of a kept envelope: text the writer leaves as it is, and no record holds (they are not in it). */
const SLOTS = { timestamp: '@@moisson-timestamp@@', matched: '@@moisson-matched@@', count: '@@moisson-count@@', next: '@@moisson-next@@' };

/** Envelopes without RequestId by record schema and element set, written once with SLOTS in place of the values. */
const envelopes = new Map<string, string>();

/**
 * The response with RECORDS_MARKER where its `count` records go. Written by xmlbuilder2 once per record schema
 * and element set (0.15 ms of every page otherwise); what varies is numbers and an xs:dateTime, which need no
 * escaping. A RequestId (client text) is written each time.
 */
export function getRecordsEnvelope(r: Omit<GetRecordsResult, 'records'>, count: number): string {
  if (r.returned !== undefined && r.resultType === 'results' && r.returned !== count) {
    throw new Error(`numberOfRecordsReturned ${r.returned} but ${count} records given`);
  }
  if (r.requestId) return writeGetRecordsEnvelope(r, count);
  const key = `${r.recordSchema}\u0000${r.elementSet ?? ''}`;
  let template = envelopes.get(key);
  if (template === undefined) {
    template = writeGetRecordsEnvelope({
      timestamp: SLOTS.timestamp, matched: SLOTS.matched as unknown as number, nextRecord: SLOTS.next as unknown as number,
      elementSet: r.elementSet, recordSchema: r.recordSchema, resultType: 'hits',
    }, SLOTS.count as unknown as number);
    if (envelopes.size < 64) envelopes.set(key, template);
  }
  return template
    .replace(SLOTS.timestamp, dateTime(r.timestamp)).replace(SLOTS.matched, String(r.matched))
    .replace(SLOTS.count, String(count)).replace(SLOTS.next, String(r.nextRecord));
}

/** getRecordsEnvelope written by xmlbuilder2 (the counts are getRecordsEnvelope's to check). */
export function writeGetRecordsEnvelope(r: Omit<GetRecordsResult, 'records'>, count: number): string {
  const root = cswRoot('csw:GetRecordsResponse').att('version', '2.0.2');
  if (r.requestId) textElement(root, 'csw:RequestId', r.requestId);
  root.ele('csw:SearchStatus').att('timestamp', dateTime(r.timestamp));
  const results = root.ele('csw:SearchResults')
    .att('numberOfRecordsMatched', String(r.matched))
    .att('numberOfRecordsReturned', String(count))
    .att('nextRecord', String(r.nextRecord))
    .att('recordSchema', r.recordSchema);
  if (r.elementSet) results.att('elementSet', r.elementSet);
  results.com(RECORDS_MARKER);
  return serialize(root);
}

/** csw:GetRecordByIdResponse with the records found (none is an empty response, not an exception). */
export function getRecordByIdResponse(records: readonly string[]): string {
  return getRecordByIdResponseBytes(records).toString('utf8');
}

/** getRecordByIdResponse as UTF-8 bytes, what the server sends. */
export function getRecordByIdResponseBytes(records: readonly string[]): Buffer {
  const root = cswRoot('csw:GetRecordByIdResponse');
  root.com(RECORDS_MARKER);
  return spliceRecordBytes(serialize(root), records);
}

export interface DomainValue {
  value: string;
  /** How many records have it (GeoNetwork's count attribute; csw:Value is xs:anyType, so it validates). */
  count?: number;
}

export type GetDomainResult =
  | { propertyName: string; parameterName?: undefined; values: readonly DomainValue[] }
  | { parameterName: string; propertyName?: undefined; values: readonly DomainValue[] };

/** csw:GetDomainResponse with one csw:DomainValues (ListOfValues omitted when there is no value). */
export function getDomainResponse(r: GetDomainResult): string {
  const root = cswRoot('csw:GetDomainResponse');
  const dv = root.ele('csw:DomainValues').att('type', 'csw:Record');
  if (r.parameterName !== undefined) textElement(dv, 'csw:ParameterName', r.parameterName);
  else textElement(dv, 'csw:PropertyName', r.propertyName);
  if (r.values.length > 0) {
    const list = dv.ele('csw:ListOfValues');
    for (const v of r.values) {
      const el = textElement(list, 'csw:Value', v.value);
      if (v.count !== undefined) el.att('count', String(v.count));
    }
  }
  return serialize(root);
}

export interface AcknowledgementInput {
  /** The request as received: the XML body of a POST, or the query string (or URL) of a GET. */
  echo: string;
  requestId?: string | null;
  timestamp?: Date | string;
}

/** A KVP request is echoed as an ows:Get reference to itself (as pycsw does); XML is echoed verbatim. */
const isXml = (echo: string): boolean => /^\s*(<\?xml[^]*?\?>\s*)?</.test(echo);

/** csw:Acknowledgement for resultType=validate: the request was valid and was not executed. */
export function acknowledgement(a: AcknowledgementInput): string {
  const root = cswRoot('csw:Acknowledgement', { ows: NS_OWS, xlink: NS_XLINK })
    .att('timeStamp', dateTime(a.timestamp ?? new Date()));
  const echoed = root.ele('csw:EchoedRequest');
  if (isXml(a.echo)) echoed.com(RECORDS_MARKER);
  else {
    const href = /^[a-z][a-z0-9+.-]*:/i.test(a.echo) ? a.echo : `?${a.echo.replace(/^\?/, '')}`;
    attribute(echoed.ele('ows:Get').att('xlink:type', 'simple'), 'xlink:href', href);
  }
  if (a.requestId) textElement(root, 'csw:RequestId', a.requestId);
  const xml = serialize(root);
  return isXml(a.echo) ? spliceRecords(xml, withoutProlog(a.echo)) : xml;
}

/** An XML request body without its declaration and DOCTYPE, ready to be embedded. */
function withoutProlog(xml: string): string {
  return stripXmlDeclaration(xml).replace(/^\s*<!DOCTYPE[^>[]*(\[[^]*?\])?\s*>\s*/i, '').trim();
}
