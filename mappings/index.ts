/**
 * The mapping registry (STYLE §3, §6): a raw document goes to its mapping by table, never by an if/else chain.
 * XML documents are dispatched on their root element as a namespace-resolved QName (`{uri}local`, found by a
 * cheap scan of the prolog and the root start tag; prefixes are never trusted, DESIGN §3); other documents on
 * their media type. DCAT, Dublin Core and Atom join the tables when their mappings are written.
 */
import { readDublinCore, readDublinCoreElement } from './dublin-core.ts';
import { readDcatAp } from './dcat-ap/read.ts';
import { readIso19139, readIso19139Element } from './iso19139/read.ts';
import { mapInspireAtom } from './inspire-atom.ts';
import { CAPABILITIES_ROOTS, mapWfs200, mapWms111, mapWms130, mapWmts100 } from './ogc-capabilities/index.ts';
import { decodeXml, type XmlElement } from './xml/index.ts';
import { MappingError, type MappingResult, type RawDocument } from './types.ts';

/**
 * Version of the mappings' output. Bump it whenever a mapping gives a different record for the same input
 * (a fix, a new field): the harvest content hash includes it, so stored records are re-mapped on their next
 * harvest rather than kept as the old mapping made them.
 */
export const MAPPING_VERSION = 1;

/** A mapping as registered: pure, from the raw document to a record and its issues. */
export type DocumentMapping = (raw: RawDocument) => MappingResult;

const NS = {
  gmd: 'http://www.isotc211.org/2005/gmd',
  gmi: 'http://www.isotc211.org/2005/gmi',
  csw202: 'http://www.opengis.net/cat/csw/2.0.2',
  che: 'http://www.geocat.ch/2008/che',
} as const;

/** ISO and Dublin Core read the harvester's tree when there is one (RawDocument.parsed), else parse the bytes. */
const iso19139: DocumentMapping = (raw) => (raw.parsed ? readIso19139Element(raw.parsed) : readIso19139(raw.bytes));
const dublinCore: DocumentMapping = (raw) => (raw.parsed ? readDublinCoreElement(raw.parsed, raw.url) : readDublinCore(raw));

/** XML root `{namespace}localName` -> mapping. */
const byRoot: Readonly<Record<string, DocumentMapping>> = {
  [`{${NS.gmd}}MD_Metadata`]: iso19139,
  [`{${NS.gmi}}MI_Metadata`]: iso19139,
  // Swiss profile (geocat.ch, swisstopo): an MD_Metadata extension the ISO reader reads with a warning.
  [`{${NS.che}}CHE_MD_Metadata`]: iso19139,
  // A CSW GetRecordById answer saved as is: the wrapped record is unwrapped and dispatched in turn.
  [`{${NS.csw202}}GetRecordByIdResponse`]: (raw) => mapWrapped(raw),
  // DCAT / GeoDCAT-AP in RDF/XML (a catalogue file, GeoNetwork's CSW DCAT output): one resource mapped.
  ['{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF']: readDcatAp,
  // CSW Dublin Core records (GetRecords with outputSchema csw:Record, any element set).
  [`{${NS.csw202}}Record`]: dublinCore,
  [`{${NS.csw202}}SummaryRecord`]: dublinCore,
  [`{${NS.csw202}}BriefRecord`]: dublinCore,
  // INSPIRE Atom download service and dataset feeds (with the harvest context the inspire-atom harvester adds).
  ['{http://www.w3.org/2005/Atom}feed']: mapInspireAtom,
  // OGC capabilities: one service record per document (mappings/ogc-capabilities/).
  [CAPABILITIES_ROOTS.wms130]: mapWms130,
  [CAPABILITIES_ROOTS.wms111]: mapWms111,
  [CAPABILITIES_ROOTS.wmts100]: mapWmts100,
  [CAPABILITIES_ROOTS.wfs200]: mapWfs200,
};

/** Media type (without parameters) -> mapping, for documents that are not XML. */
const byMediaType: Readonly<Record<string, DocumentMapping>> = {
  // DCAT: the dcat harvester stores each resource as canonical N-Triples; Turtle files (directory sources).
  'application/n-triples': readDcatAp,
  'text/turtle': readDcatAp,
};

export interface KnownMappings {
  /** XML roots as `{namespace}localName`. */
  roots: string[];
  mediaTypes: string[];
}

/** What the registry can map, in table order. */
export function knownMappings(): KnownMappings {
  return { roots: Object.keys(byRoot), mediaTypes: Object.keys(byMediaType) };
}

/**
 * Maps one harvested document. Throws MappingError when no mapping fits (the message lists the known roots and
 * media types) or when the mapping itself cannot read the document.
 */
export function mapDocument(raw: RawDocument): MappingResult {
  const root = raw.parsed ? rootName(raw.parsed) : xmlRoot(raw.bytes);
  if (root) return mappingForRoot(root)(raw);
  const mediaType = raw.mediaType.split(';')[0].trim().toLowerCase();
  const mapping = byMediaType[mediaType];
  if (!mapping) {
    throw new MappingError(`No mapping for media type ${mediaType || '(none)'}; ${knownList()}`);
  }
  return mapping(raw);
}

function rootName(el: XmlElement): XmlRootName {
  return { name: el.prefix ? `${el.prefix}:${el.local}` : el.local, prefix: el.prefix, local: el.local, ns: el.uri };
}

function mappingForRoot(root: XmlRootName): DocumentMapping {
  const key = `{${root.ns}}${root.local}`;
  const mapping = byRoot[key];
  if (mapping) return mapping;
  const what = root.ns ? key : `${root.name} (prefix "${root.prefix}" not declared on the root element)`;
  throw new MappingError(`No mapping for XML root ${what}; ${knownList()}`, `/${root.name}`);
}

function knownList(): string {
  const { roots, mediaTypes } = knownMappings();
  return `known XML roots: ${roots.join(', ')}; known media types: ${mediaTypes.join(', ') || '(none yet)'}`;
}

/** Unwraps the single record of a CSW GetRecordByIdResponse and maps it through the table. */
function mapWrapped(raw: RawDocument): MappingResult {
  const inner = unwrapSingleChild(raw.bytes);
  const innerRoot = inner && xmlRoot(inner);
  if (!inner || !innerRoot) throw new MappingError('GetRecordByIdResponse holds no record', '/csw:GetRecordByIdResponse');
  if (`{${innerRoot.ns}}${innerRoot.local}` === `{${NS.csw202}}GetRecordByIdResponse`) {
    throw new MappingError('nested GetRecordByIdResponse', '/csw:GetRecordByIdResponse');
  }
  const { parsed: _wrapper, ...rest } = raw;
  return mappingForRoot(innerRoot)({ ...rest, bytes: inner });
}

// ---------------------------------------------------------------------------------------------------------------
// Cheap XML prefix scan: only the prolog and start tags are read, the document is never parsed whole here (the
// mapping parses it). Text is decoded by the XML layer's decoder (BOM, declared encoding).

/** How far into a document the root element is looked for (licence comments can be long). */
const SCAN_LIMIT = 256 * 1024;

/** An element name as written and as resolved. */
export interface XmlRootName {
  name: string;
  prefix: string;
  local: string;
  /** Namespace URI of the element ('' when its prefix is not declared). */
  ns: string;
}

interface StartTag extends XmlRootName {
  /** Offset of '<' and of the end of the element name. */
  start: number;
  nameEnd: number;
  /** Offset just after the closing '>'. */
  end: number;
  selfClosing: boolean;
  /** Namespace declarations in scope on this element: prefix ('' for default) -> URI. */
  xmlns: Map<string, string>;
}

/** The root start tag of an XML document, or null when the bytes do not look like XML. */
export function xmlRoot(bytes: Buffer): XmlRootName | null {
  return rootTag(decodeForScan(bytes.subarray(0, SCAN_LIMIT)));
}

function rootTag(text: string): StartTag | null {
  const at = skipMisc(text, 0);
  return at < 0 ? null : readStartTag(text, at, new Map());
}

/** The document as text (BOM and declared encoding honoured); latin1 when the encoding is unknown. */
function decodeForScan(bytes: Buffer): string {
  try {
    return decodeXml(bytes).text;
  } catch {
    return bytes.toString('latin1');
  }
}

/** Skips whitespace, the XML declaration, PIs, comments and DOCTYPE; returns the offset of the next start tag. */
function skipMisc(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('<?', i)) i = after(text, '?>', i);
    else if (text.startsWith('<!--', i)) i = after(text, '-->', i);
    else if (text.startsWith('<!DOCTYPE', i)) i = afterDoctype(text, i);
    else return text[i] === '<' && /[A-Za-z_]/.test(text[i + 1] ?? '') ? i : -1;
    if (i < 0) return -1;
  }
}

function after(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at < 0 ? -1 : at + token.length;
}

function afterDoctype(text: string, from: number): number {
  const bracket = text.indexOf('[', from);
  const close = text.indexOf('>', from);
  if (bracket < 0 || close < bracket) return close < 0 ? -1 : close + 1;
  // Internal subset: the DOCTYPE ends at the first '>' after the closing ']'.
  const closeBracket = text.indexOf(']', bracket);
  return closeBracket < 0 ? -1 : after(text, '>', closeBracket);
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Reads the start tag at `at`, resolving its name with the declarations inherited plus its own. */
function readStartTag(text: string, at: number, inherited: Map<string, string>): StartTag | null {
  const end = tagEnd(text, at);
  if (end < 0) return null;
  const m = /^<([^\s/>]+)/.exec(text.slice(at, end));
  if (!m) return null;
  const name = m[1];
  const xmlns = new Map(inherited);
  for (const a of text.slice(at + m[0].length, end).matchAll(ATTRIBUTE)) {
    if (a[1] === 'xmlns') xmlns.set('', a[2] ?? a[3]);
    else if (a[1].startsWith('xmlns:')) xmlns.set(a[1].slice(6), a[2] ?? a[3]);
  }
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const local = colon < 0 ? name : name.slice(colon + 1);
  const selfClosing = text[end - 2] === '/';
  return { name, prefix, local, ns: xmlns.get(prefix) ?? '', start: at, nameEnd: at + m[0].length, end, selfClosing, xmlns };
}

/** Offset after the '>' closing the tag at `at`, quotes respected. */
function tagEnd(text: string, at: number): number {
  let quote = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return -1;
}

/**
 * The first child element of the root as a UTF-8 document of its own; the namespaces declared on the wrapper
 * are copied onto the child, so that its prefixes still resolve.
 */
function unwrapSingleChild(bytes: Buffer): Buffer | null {
  const text = decodeForScan(bytes);
  const root = rootTag(text);
  if (!root || root.selfClosing) return null;
  const childAt = skipMisc(text, root.end);
  const child = childAt < 0 ? null : readStartTag(text, childAt, root.xmlns);
  const close = text.lastIndexOf(`</${root.name}`);
  if (!child || close < child.end) return null;
  const own = readStartTag(text, childAt, new Map())?.xmlns ?? new Map<string, string>();
  const inherited = [...root.xmlns].filter(([p]) => !own.has(p));
  // Values are copied as written (entity references included), with a quote they cannot contain.
  const extra = inherited.map(([p, uri]) => ` ${p ? `xmlns:${p}` : 'xmlns'}=${quote(uri)}`).join('');
  const body = text.slice(child.start, child.nameEnd) + extra + text.slice(child.nameEnd, close).trimEnd();
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, 'utf8');
}

function quote(raw: string): string {
  return raw.includes('"') ? `'${raw}'` : `"${raw}"`;
}
