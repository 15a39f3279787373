/**
 * A GetRecords page split into standalone record documents in one streaming saxes pass: each record is the
 * page's own text for that element (verbatim: the producer's formatting, comments and character references are
 * kept), with the namespace declarations it inherits from csw:GetRecordsResponse and csw:SearchResults added to
 * its start tag. When asked (`trees`), the same pass builds each record's element tree, which the mapping then
 * reads instead of parsing the record again: saxes is most of a first harvest's CPU, and this makes it one pass
 * per record instead of two. A re-harvest, where most records come back unchanged and are never mapped, is
 * cheaper without trees: text is then only read for identifiers. The pass also reads the SearchResults counts
 * and each record's identifier.
 *
 * Anything unusual (another root element, a DOCTYPE, a well-formedness error, a limit) makes the splitter
 * decline: the caller then reads the page with parseXml, which gives the exact error (or, for a DOCTYPE without
 * entities, the records the tree-based path makes).
 */
import { setImmediate } from 'node:timers/promises';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { attribute, first, textOf, TreeBuilder, type XmlElement } from '../../mappings/xml/index.ts';
import { NS_CSW, NS_DC, NS_DCAT, NS_DCT, NS_GMD } from './requests.ts';
import { TextWindow } from './text-window.ts';

const NS_GCO = 'http://www.isotc211.org/2005/gco';
const NS_GMI = 'http://www.isotc211.org/2005/gmi';
const NS_RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

/** parseXml's default element-depth limit: a deeper page declines, and parseXml reports it. */
const MAX_DEPTH = 256;
/** Depth (0-based) of the records: csw:GetRecordsResponse / csw:SearchResults / record. */
const RECORD_DEPTH = 2;
/** Written before each record, as serializeElement did: the stored original is always UTF-8. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** One record of a page, ready to be stored and mapped. */
export interface PageRecord {
  /** Namespace URI and local name of the record element. */
  uri: string;
  local: string;
  /** The standalone document (XML declaration, then the record with its inherited declarations). */
  xml: string;
  /**
   * The tree parseXml would make of `xml` (lines counted in `xml`), when the page was split by the streaming
   * pass; the tree-based path leaves it out and the mapping parses `xml`.
   */
  root?: XmlElement;
  /** gmd:fileIdentifier, dc:identifier, or the DCAT dataset's dct:identifier / IRI, when the record has one. */
  id?: string;
  /** `xml` as UTF-8, when the reader made it at once (`xml` is then empty): responses.ts, the workers' task. */
  bytes?: Buffer;
  /** The record's mapping, when it was mapped in the worker thread that read the page (RawDocument.prepared). */
  prepared?: object;
}

/** What a GetRecords page holds: its counts as announced, and its records. */
export interface RecordsPage {
  matched?: number;
  /** numberOfRecordsReturned as announced (servers lie: the harvester counts `records`). */
  returned?: number;
  nextRecord?: number;
  records: PageRecord[];
}

/** The page is not for the streaming path (see the module comment). */
class Declined extends Error {}

export interface SplitOptions {
  /** Build each record's element tree (PageRecord.root). */
  trees?: boolean;
  /**
   * Called with each record as soon as it is read (its position in the page from 0); the page keeps what it
   * returns. A caller that only needs a record's tree for a moment (to map it) drops it here: a tree that dies
   * young costs the garbage collector far less than a page of trees kept to the end.
   */
  onRecord?: (record: PageRecord, index: number) => PageRecord;
}

/**
 * Splits a decoded GetRecords page, given whole or in pieces (decodeXmlPieces: a page read in pieces is never
 * one string of megabytes); undefined when the page must be read by parseXml instead.
 */
export function splitGetRecords(text: string | Iterable<string>, options: SplitOptions = {}): RecordsPage | undefined {
  try {
    const splitter = new PageSplitter(options.trees === true, options.onRecord);
    for (const piece of typeof text === 'string' ? [text] : text) splitter.feed(piece);
    return splitter.end();
  } catch {
    // saxes errors, Declined, and anything unforeseen: the tree path decides (and names the error).
    return undefined;
  }
}

/**
 * splitGetRecords giving the event loop a turn after each piece: in a thread that also answers HTTP, a page of
 * records read (and mapped, with `onRecord`) in one go held every request back for hundreds of milliseconds.
 */
export async function splitGetRecordsInTurns(pieces: Iterable<string>, options: SplitOptions = {}): Promise<RecordsPage | undefined> {
  try {
    const splitter = new PageSplitter(options.trees === true, options.onRecord);
    for (const piece of pieces) {
      splitter.feed(piece);
      await setImmediate();
    }
    return splitter.end();
  } catch {
    return undefined;
  }
}

/** The record being read. */
interface OpenRecord {
  uri: string;
  local: string;
  /** Qualified name as written, and the offset of the '<' of its start tag. */
  name: string;
  start: number;
  /** Line of the record's '<' in the page. */
  line: number;
  /** The declarations it inherits, as attributes for its start tag. */
  inherited: string;
  /** The tree being built (trees mode), or the identifier being read from the stream. */
  tree?: TreeBuilder;
  reader: IdReader;
}

/** The streaming pass (splitGetRecords); exported for its tests. */
export class PageSplitter {
  private readonly parser = new SaxesParser({ xmlns: true, position: false });
  private depth = 0;
  /** Bindings declared by the record's ancestors, the nearest winning. */
  private scope: Record<string, string> = {};
  private resultsSeen = false;
  private inResults = false;
  private readonly page: RecordsPage = { records: [] };
  private record: OpenRecord | undefined;
  private startLine = 1;
  /** Without trees: depth of the element whose text is the identifier, while it is open (-1 otherwise). */
  private captureDepth = -1;

  /** The page's text from the start of the record being read (between records: from the last '<' read). */
  private readonly text = new TextWindow();

  constructor(
    private readonly trees: boolean,
    private readonly onRecord?: SplitOptions['onRecord'],
  ) {
    const p = this.parser;
    // The tree path handles DOCTYPEs: entity declarations refused, DTD namespace defaults applied.
    p.on('doctype', () => {
      throw new Declined();
    });
    p.on('opentagstart', () => {
      this.startLine = p.line;
    });
    p.on('opentag', (tag) => this.open(tag as SaxesTagNS));
    p.on('closetag', () => this.close());
    // Character data outside records (indentation between them) is not kept. Without trees, saxes does not
    // even slice character data: the text handler is only on while an identifier is read.
    if (this.trees) p.on('text', this.onText);
    p.on('cdata', (t) => {
      if (this.trees || this.captureDepth >= 0) this.onText(t);
    });
  }

  /** Reads the next piece of the page's text. */
  feed(piece: string): void {
    this.text.append(piece);
    this.parser.write(piece);
    // Between records, what was read is needed no more, but from the last '<' on: it may be a record's start
    // tag, not read to its end yet, whose offset openRecord looks for.
    if (!this.record) this.text.release(Math.max(0, this.text.lastIndexOf('<', this.parser.position - 1)));
  }

  /** Characters of the page's text held now (TextWindow.held). */
  get heldText(): number {
    return this.text.held;
  }

  /** The page, once its text is all read; undefined when it held no csw:SearchResults. */
  end(): RecordsPage | undefined {
    this.parser.close();
    return this.resultsSeen ? this.page : undefined;
  }

  private readonly onText = (t: string): void => {
    const r = this.record;
    if (r) r.tree ? r.tree.text(t) : r.reader.text(t);
  };

  private open(tag: SaxesTagNS): void {
    const depth = this.depth++;
    if (depth >= MAX_DEPTH) throw new Declined();
    if (depth === 0) {
      if (!(tag.uri === NS_CSW && tag.local === 'GetRecordsResponse')) throw new Declined();
      this.scope = { ...tag.ns };
    } else if (depth === 1) {
      if (!this.resultsSeen && tag.uri === NS_CSW && tag.local === 'SearchResults') this.openResults(tag);
    } else if (this.inResults) {
      const r = this.record;
      if (depth === RECORD_DEPTH) this.openRecord(tag);
      else if (r!.tree) r!.tree.open(tag, this.startLine - r!.line + 2);
      // Identifiers sit at most two levels below the record: deeper elements cost nothing more.
      else if (depth <= RECORD_DEPTH + 2 && r!.reader.open(tag, depth - RECORD_DEPTH)) {
        this.captureDepth = depth;
        this.parser.on('text', this.onText);
      }
    }
  }

  private close(): void {
    const depth = --this.depth;
    if (depth === this.captureDepth) {
      this.captureDepth = -1;
      this.parser.off('text');
    }
    if (!this.inResults) return;
    if (depth === RECORD_DEPTH) this.closeRecord();
    else if (depth === 1) this.inResults = false;
    else if (depth > RECORD_DEPTH) this.record!.tree?.close();
  }

  private openResults(tag: SaxesTagNS): void {
    this.resultsSeen = this.inResults = true;
    this.scope = { ...this.scope, ...tag.ns };
    const count = (name: string): number | undefined => {
      const a = tag.attributes[name];
      const n = a === undefined || a.uri !== '' ? Number.NaN : Number(a.value.trim());
      return Number.isInteger(n) && n >= 0 ? n : undefined;
    };
    const matched = count('numberOfRecordsMatched');
    const returned = count('numberOfRecordsReturned');
    const next = count('nextRecord');
    if (matched !== undefined) this.page.matched = matched;
    if (returned !== undefined) this.page.returned = returned;
    if (next !== undefined) this.page.nextRecord = next;
  }

  private openRecord(tag: SaxesTagNS): void {
    // Called after the start tag's '>': a literal '<' cannot occur inside a start tag (not even in an
    // attribute value), so the last '<' before here opens it. Offsets are UTF-16 indexes into the text.
    const start = this.text.lastIndexOf('<', this.parser.position - 1);
    if (start < 0 || this.text.slice(start + 1, start + 1 + tag.name.length) !== tag.name) throw new Declined();
    // Lines as parseXml counts them in the standalone document: the XML declaration is line 1 and the record's
    // '<' is on line 2. An element's line is where its name ends, and a name followed by a newline counts on
    // the next line: the page's record line is where its '<' is, the root's line depends on what follows the
    // name in the standalone document (the inherited declarations, if any).
    const after = this.text.charCodeAt(start + 1 + tag.name.length);
    const newlineAfterName = after === 0x0a || after === 0x0d;
    const line = this.startLine - (newlineAfterName ? 1 : 0);
    const inherited = this.inheritedBindings(tag.ns);
    const added = declarations(inherited);
    this.record = { uri: tag.uri, local: tag.local, name: tag.name, start, line, inherited: added, reader: this.trees ? NO_ID : idReader(tag.uri, tag.local) };
    if (!this.trees) return;
    this.record.tree = new TreeBuilder();
    const root = this.record.tree.open(tag, added === '' && newlineAfterName ? 3 : 2);
    // As in the standalone document, the root declares what it inherits.
    if (added !== '') root.declarations = { ...inherited, ...root.declarations };
  }

  private closeRecord(): void {
    const r = this.record!;
    const end = this.parser.position;
    if (this.text.charCodeAt(end - 1) !== 0x3e /* > */) throw new Declined();
    const at = r.start + 1 + r.name.length;
    const xml = XML_DECLARATION + this.text.slice(r.start, at) + r.inherited + this.text.slice(at, end);
    const root = r.tree?.root;
    const id = root ? treeRecordId(root) : r.reader.id();
    const record: PageRecord = { uri: r.uri, local: r.local, xml };
    if (root) record.root = root;
    if (id !== undefined) record.id = id;
    this.page.records.push(this.onRecord ? this.onRecord(record, this.page.records.length) : record);
    this.record = undefined;
    // The text before the record's end is needed no more. feed() only lets go of it when a piece ends between
    // records, which pieces of about a record's size almost never do: the window held the whole page until its
    // end, long enough for every piece to be promoted to the old generation.
    this.text.release(end);
  }

  /**
   * Every binding of the ancestors that the record does not redeclare: a record may use a prefix anywhere,
   * including in QName-valued content (xsi:type, gco:RecordType…) that no parser would notice. An empty URI
   * only undeclares the default namespace: nothing to carry into a standalone document.
   */
  private inheritedBindings(own: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [prefix, uri] of Object.entries(this.scope)) if (uri !== '' && !(prefix in own)) out[prefix] = uri;
    return out;
  }
}

function declarations(bindings: Record<string, string>): string {
  let out = '';
  for (const [prefix, uri] of Object.entries(bindings)) out += ` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(uri)}"`;
  return out;
}

/** Attribute values keep their whitespace characters, which a parser would otherwise normalise. */
function escapeAttribute(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Reads a record's identifier from the elements one or two levels below it, as the stream goes by. */
interface IdReader {
  /** An element `rel` levels below the record (1 or 2): true when its text is (part of) the identifier. */
  open(tag: SaxesTagNS, rel: number): boolean;
  /** Character data inside the element open() accepted. */
  text(t: string): void;
  id(): string | undefined;
}

/** Identifier readers by record namespace: what recordId finds in the tree, read from the stream. */
const ID_READERS: Readonly<Record<string, (local: string) => IdReader>> = {
  [NS_GMD]: () => firstText([NS_GMD, 'fileIdentifier'], [NS_GCO, 'CharacterString']),
  [NS_GMI]: () => firstText([NS_GMD, 'fileIdentifier'], [NS_GCO, 'CharacterString']),
  [NS_CSW]: () => firstText([NS_DC, 'identifier']),
  [NS_RDF]: (local) => (local === 'RDF' ? dcatReader() : NO_ID),
};

const NO_ID: IdReader = { open: () => false, text: () => undefined, id: () => undefined };

function idReader(uri: string, local: string): IdReader {
  return ID_READERS[uri]?.(local) ?? NO_ID;
}

type Step = readonly [uri: string, local: string];

const is = (tag: SaxesTagNS, [uri, local]: Step): boolean => tag.local === local && tag.uri === uri;

/** The text of the first element at the end of a path of one or two child steps (the tree's `first`). */
function firstText(...steps: Step[]): IdReader {
  let parentOnPath = false;
  let found = false;
  let value = '';
  return {
    open(tag, rel) {
      if (found) return false;
      if (rel === 1) parentOnPath = is(tag, steps[0]);
      found = rel === steps.length && is(tag, steps[rel - 1]) && (rel === 1 || parentOnPath);
      return found;
    },
    text: (t) => void (value += t),
    id: () => clean(value),
  };
}

/** DCAT: the first dcat:Dataset (else dcat:DataService) child; its first dct:identifier, else its rdf:about. */
function dcatReader(): IdReader {
  const found: Record<string, { about?: string; identifier?: string }> = {};
  let current: { about?: string; identifier?: string } | undefined;
  return {
    open(tag, rel) {
      if (rel === 1) {
        const kind = tag.uri === NS_DCAT && (tag.local === 'Dataset' || tag.local === 'DataService') ? tag.local : '';
        current = kind && !found[kind] ? (found[kind] = { about: rdfAbout(tag) }) : undefined;
        return false;
      }
      if (!current || current.identifier !== undefined || !is(tag, [NS_DCT, 'identifier'])) return false;
      current.identifier = '';
      return true;
    },
    text: (t) => void (current!.identifier += t),
    id: () => {
      const dataset = found.Dataset ?? found.DataService;
      return dataset && (clean(dataset.identifier ?? '') ?? clean(dataset.about ?? ''));
    },
  };
}

function rdfAbout(tag: SaxesTagNS): string | undefined {
  for (const a of Object.values(tag.attributes)) if (a.uri === NS_RDF && a.local === 'about') return a.value;
  return undefined;
}

/** The same identifier read from a record's tree (the trees mode, and the tree path of responses.ts). */
export function treeRecordId(record: XmlElement): string | undefined {
  if (record.uri === NS_GMD || record.uri === NS_GMI) return clean(textOf(first(record, [NS_GMD, 'fileIdentifier'], [NS_GCO, 'CharacterString'])));
  if (record.uri === NS_CSW) return clean(textOf(first(record, [NS_DC, 'identifier'])));
  if (record.uri === NS_RDF && record.local === 'RDF') {
    const dataset = first(record, [NS_DCAT, 'Dataset']) ?? first(record, [NS_DCAT, 'DataService']);
    return clean(textOf(first(dataset, [NS_DCT, 'identifier']))) ?? clean(attribute(dataset, NS_RDF, 'about') ?? '');
  }
  return undefined;
}

function clean(s: string): string | undefined {
  const t = s.trim();
  return t ? t : undefined;
}
