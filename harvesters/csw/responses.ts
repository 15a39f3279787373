/**
 * Reading CSW answers: the checks every answer goes through (an HTML page served with status 200, a media type
 * that is not XML, a truncated or unsafe document, an ows:ExceptionReport), and a GetRecords page split into
 * its records, each a standalone document: the record's text as the server sent it, with the namespace
 * declarations it inherits (split.ts, one streaming pass). Pages the streaming pass declines (errors, another
 * root, a DOCTYPE) are read as a tree, which names the error, or writes each record back (serializeElement).
 */
import type { RawDocument } from '../../mappings/types.ts';
import {
  attribute, decodeXmlPieces, elements, first, parseXml, select, serializeElement, textOf, XmlError, type XmlElement,
} from '../../mappings/xml/index.ts';
import type { FetchResponse } from '../http.ts';
import { NS_CSW } from './requests.ts';
import { splitGetRecordsInTurns, treeRecordId, type PageRecord, type RecordsPage } from './split.ts';

export type { PageRecord } from './split.ts';

const NS_OWS = ['http://www.opengis.net/ows', 'http://www.opengis.net/ows/1.1', 'http://www.opengis.net/ows/2.0'];
const NS_RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

export type CswErrorKind = 'exception' | 'html' | 'media_type' | 'xml' | 'unexpected';

/** An answer that is not what was asked: the message names the URL and says what came back. */
export class CswResponseError extends Error {
  constructor(
    readonly kind: CswErrorKind,
    readonly url: string,
    message: string,
    /** For `exception`: the ows:Exception exceptionCode. */
    readonly exceptionCode?: string,
  ) {
    super(message);
    this.name = 'CswResponseError';
  }
}

/** Media types under which servers send XML (with `+xml` suffixes); '' and text/plain are tolerated, XML is then sniffed. */
const XML_TYPES = new Set(['application/xml', 'text/xml', '', 'text/plain', 'application/octet-stream']);

/** Parses an answer after the checks that make a clear error of a non-XML answer; throws CswResponseError. */
export function readXml(res: FetchResponse, requestUrl: string): XmlElement {
  checkXmlAnswer(res, requestUrl);
  let root: XmlElement;
  try {
    root = parseXml(res.body).root;
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    throw new CswResponseError('xml', requestUrl, `${requestUrl} answered unreadable XML: ${e.message}`);
  }
  const exception = exceptionOf(root);
  if (exception) {
    const text = exception.text ? `: ${exception.text}` : '';
    const locator = exception.locator ? ` (locator ${exception.locator})` : '';
    throw new CswResponseError('exception', requestUrl, `${requestUrl} answered an ExceptionReport ${exception.code}${locator}${text}`, exception.code);
  }
  return root;
}

/** parseXml's default size limit: a bigger page goes to parseXml, which refuses it. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a GetRecords answer: the checks of readXml, then one streaming pass that splits the page into its
 * records (with their trees when `trees`: see split.ts); a page that pass declines is read by readXml and
 * parseGetRecords, which throw the exact CswResponseError (or, for a DOCTYPE without entities, split the tree).
 */
export async function readGetRecords(res: FetchResponse, requestUrl: string, options: { trees?: boolean } = {}): Promise<GetRecordsPage> {
  checkXmlAnswer(res, requestUrl);
  // In turns (split.ts): the thread that reads pages answers HTTP too.
  const page = res.body.length <= MAX_PAGE_BYTES ? await splitGetRecordsInTurns(decodedPieces(res.body), { ...options, onRecord: withBytes }) : undefined;
  return page ?? parseGetRecords(readXml(res, requestUrl), requestUrl);
}

/**
 * readGetRecords with the streaming pass made by `split` elsewhere (a worker thread: HarvestContext.workers);
 * undefined when `split` gives nothing, and the page is then read here.
 */
export async function readGetRecordsWith(
  res: FetchResponse, requestUrl: string, split: (body: Buffer) => Promise<RecordsPage | undefined>,
): Promise<GetRecordsPage | undefined> {
  checkXmlAnswer(res, requestUrl);
  return res.body.length <= MAX_PAGE_BYTES ? split(res.body) : undefined;
}

/**
 * The page as text, in pieces (decodeXmlPieces); none when undecodable: the streaming pass then declines, and
 * parseXml names the error.
 */
export function decodedPieces(body: Buffer): Iterable<string> {
  try {
    return decodeXmlPieces(body);
  } catch {
    return [];
  }
}

/**
 * A record of the streaming pass with its document as bytes at once: its text is made of slices of the page's
 * pieces, which it would keep alive until the orchestrator takes it.
 */
function withBytes(record: PageRecord): PageRecord {
  return { ...record, xml: '', bytes: Buffer.from(record.xml, 'utf8') };
}

/** Refuses HTML pages and non-XML media types before any parsing. */
function checkXmlAnswer(res: FetchResponse, requestUrl: string): void {
  if (res.mediaType === 'text/html' || res.mediaType === 'application/xhtml+xml' || looksLikeHtml(res.body)) {
    throw new CswResponseError('html', requestUrl, `${requestUrl} answered an HTML page (HTTP ${res.status}, ${res.mediaType || 'no content type'}), not CSW XML`);
  }
  if (!XML_TYPES.has(res.mediaType) && !res.mediaType.endsWith('+xml')) {
    throw new CswResponseError('media_type', requestUrl, `${requestUrl} answered ${res.mediaType}, not XML`);
  }
}

/** An HTML page whatever its declared type: a doctype or an <html> start after the prolog. */
function looksLikeHtml(body: Buffer): boolean {
  const head = body.subarray(0, 1024).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || /^<\?xml[^>]*>\s*(<!--[\s\S]*?-->\s*)*<(!doctype )?html/.test(head);
}

export interface OwsException {
  code: string;
  locator?: string;
  text: string;
}

/** The first exception of an ows:ExceptionReport root (OWS 1.0, 1.1, 2.0), or undefined. */
export function exceptionOf(root: XmlElement): OwsException | undefined {
  if (!(NS_OWS.includes(root.uri) && root.local === 'ExceptionReport')) return undefined;
  const ex = select(root, [NS_OWS, 'Exception'])[0];
  const out: OwsException = {
    code: attribute(ex, '', 'exceptionCode') ?? 'NoApplicableCode',
    text: select(ex, [NS_OWS, 'ExceptionText']).map((t) => textOf(t).trim()).filter(Boolean).join(' ').slice(0, 1000),
  };
  const locator = attribute(ex, '', 'locator');
  if (locator) out.locator = locator;
  return out;
}

/** One GetRecords page as the server described it, and the records it really holds. */
export type GetRecordsPage = RecordsPage;

/**
 * Reads csw:GetRecordsResponse/csw:SearchResults from a tree (the path of pages the streaming split declines,
 * and the reference the split is tested against); throws CswResponseError('unexpected') for any other root.
 */
export function parseGetRecords(root: XmlElement, requestUrl: string): GetRecordsPage {
  if (!(root.uri === NS_CSW && root.local === 'GetRecordsResponse')) {
    throw new CswResponseError('unexpected', requestUrl, `${requestUrl} answered {${root.uri}}${root.local}, not a csw:GetRecordsResponse`);
  }
  const results = first(root, [NS_CSW, 'SearchResults']);
  if (!results) throw new CswResponseError('unexpected', requestUrl, `${requestUrl} answered a GetRecordsResponse without csw:SearchResults`);
  const page: GetRecordsPage = { records: elements(results).map(treeRecord) };
  const count = (name: string): number | undefined => {
    const v = attribute(results, '', name);
    const n = v === undefined ? Number.NaN : Number(v.trim());
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const matched = count('numberOfRecordsMatched');
  const returned = count('numberOfRecordsReturned');
  const next = count('nextRecord');
  if (matched !== undefined) page.matched = matched;
  if (returned !== undefined) page.returned = returned;
  if (next !== undefined) page.nextRecord = next;
  return page;
}

/** A record of a tree, written back as a standalone document. */
function treeRecord(el: XmlElement): PageRecord {
  const id = treeRecordId(el);
  const record: PageRecord = { uri: el.uri, local: el.local, xml: serializeElement(el) };
  if (id !== undefined) record.id = id;
  return record;
}

/** The identifier a record carries: gmd:fileIdentifier, dc:identifier, or the DCAT dataset's dct:identifier / IRI. */
export function recordId(record: PageRecord): string | undefined {
  return record.id;
}

/** A record of a page as the document the orchestrator maps: standalone bytes, media type, native id, URL. */
export function recordDocument(record: PageRecord, id: string | undefined, requestUrl: string, fetchedAt: string, position: number): RawDocument {
  const isRdf = record.uri === NS_RDF && record.local === 'RDF';
  const doc: RawDocument = {
    bytes: record.bytes ?? Buffer.from(record.xml, 'utf8'),
    mediaType: isRdf ? 'application/rdf+xml' : 'application/xml',
    url: `${requestUrl}#${id === undefined ? `record-${position}` : encodeURIComponent(id)}`,
    fetchedAt,
  };
  if (id !== undefined) doc.nativeId = id;
  if (record.root) doc.parsed = record.root;
  if (record.prepared) doc.prepared = record.prepared;
  return doc;
}
