/**
 * Untrusted bytes -> namespace-resolved element tree.
 *
 * Why saxes rather than fast-xml-parser (DESIGN §3 allows either): saxes resolves namespaces itself (default
 * namespaces, redeclarations, unbound prefixes reported as errors), checks well-formedness strictly with
 * line/column in every error, decodes character references, and never reads a DTD: an entity it does not know
 * is an error, so external entities cannot be fetched and internal ones cannot be expanded. fast-xml-parser
 * would have left prefix resolution to us and its tolerant mode accepts documents that are not well-formed.
 * On top of that this module refuses any DOCTYPE that declares entities (so an entity bomb fails at its
 * declaration, before any reference) and bounds the input size and the element depth.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { decodeXml } from './decode.ts';
import type { XmlAttribute, XmlElement } from './tree.ts';

export interface ParseOptions {
  /** Largest accepted document, in bytes (or UTF-16 code units for a string). Default 64 MiB. */
  maxBytes?: number;
  /** Deepest accepted element nesting (recursive walkers must not overflow the stack). Default 256. */
  maxDepth?: number;
}

export interface XmlDocument {
  root: XmlElement;
  /** Encoding the bytes were decoded with ('utf-16' for a string input). */
  encoding: string;
  /** Non-fatal oddities found while decoding. */
  warnings: string[];
}

export type XmlErrorKind = 'syntax' | 'security' | 'limit' | 'encoding';

/** The document is not well-formed, unsafe, too big, or undecodable. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly kind: XmlErrorKind,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 256;
const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

/** Parses an XML document (bytes: BOM / declaration honoured; or an already decoded string). */
export function parseXml(input: string | Uint8Array, options: ParseOptions = {}): XmlDocument {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.length > maxBytes) {
    throw new XmlError(`XML document too large: ${input.length} bytes, limit ${maxBytes}`, 'limit');
  }
  const decoded = typeof input === 'string' ? { text: stripBom(input), encoding: 'utf-16', warnings: [] } : decode(input);
  const root = buildTree(decoded.text, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return { root, encoding: decoded.encoding, warnings: decoded.warnings };
}

function decode(bytes: Uint8Array): { text: string; encoding: string; warnings: string[] } {
  try {
    return decodeXml(bytes);
  } catch (e) {
    throw new XmlError((e as Error).message, 'encoding');
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Builds the tree with one saxes pass; the first error aborts with its position. */
function buildTree(text: string, maxDepth: number): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true, additionalNamespaces: dtdNamespaces(text) });
  const tree = new TreeBuilder();
  let startLine = 1;
  const fail = (message: string, kind: XmlErrorKind): never => {
    throw new XmlError(`${message} (line ${parser.line}, column ${parser.column})`, kind, parser.line, parser.column);
  };
  parser.on('doctype', (doctype) => {
    if (/<!ENTITY/i.test(doctype)) fail('DOCTYPE declares entities: entity declarations are refused (XXE / entity expansion)', 'security');
  });
  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    if (tree.depth >= maxDepth) fail(`elements nested deeper than ${maxDepth}`, 'limit');
    tree.open(tag, startLine);
  });
  parser.on('closetag', () => tree.close());
  const onText = (t: string): void => tree.text(t);
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof XmlError) throw e;
    throw syntaxError(e as Error, parser.line, parser.column);
  }
  if (!tree.root) throw new XmlError('XML document has no root element', 'syntax', parser.line, parser.column);
  return tree.root;
}

/**
 * Turns saxes events into the element tree: shared by parseXml and by readers that parse a bigger document
 * once and keep trees of parts of it (a CSW GetRecords page split into its records).
 */
export class TreeBuilder {
  private readonly stack: XmlElement[] = [];
  root: XmlElement | undefined;

  /** Elements open. */
  get depth(): number {
    return this.stack.length;
  }

  /** A start tag; `line` is the line of its '<'. The first element opened is the root (its parent is null). */
  open(tag: SaxesTagNS, line: number): XmlElement {
    const parent = this.stack[this.stack.length - 1] ?? null;
    const el = toElement(tag, parent, line);
    if (parent) parent.children.push(el);
    else this.root ??= el;
    this.stack.push(el);
    return el;
  }

  close(): void {
    this.stack.pop();
  }

  /** Character data (text or CDATA) of the element open. */
  text(t: string): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent) appendText(parent, t);
  }
}

/**
 * Namespace declarations given as DTD attribute defaults (`<!ATTLIST x xmlns:p CDATA #FIXED "uri">`), as
 * MapServer's WMS 1.1.1 capabilities do for their INSPIRE extension. The DTD is not otherwise read; the
 * bindings are applied document-wide, which is what such documents mean in practice.
 */
function dtdNamespaces(text: string): Record<string, string> {
  const head = text.slice(0, 64 * 1024);
  const doctype = /<!DOCTYPE[^[>]*\[([\s\S]*?)\]\s*>/.exec(head);
  const out: Record<string, string> = {};
  if (!doctype) return out;
  for (const list of doctype[1].matchAll(/<!ATTLIST[^>]*>/g)) {
    for (const m of list[0].matchAll(/\sxmlns:([\w.-]+)\s+CDATA\s+(?:#FIXED\s+)?["']([^"']*)["']/g)) out[m[1]] ??= m[2];
  }
  return out;
}

/** saxes messages start with "line:column: "; they are rephrased so the position is spelled out. */
function syntaxError(e: Error, line: number, column: number): XmlError {
  const m = /^(\d+):(\d+): (.*)$/s.exec(e.message);
  if (!m) return new XmlError(`XML not well-formed: ${e.message} (line ${line}, column ${column})`, 'syntax', line, column);
  return new XmlError(`XML not well-formed: ${m[3]} (line ${m[1]}, column ${m[2]})`, 'syntax', Number(m[1]), Number(m[2]));
}

function toElement(tag: SaxesTagNS, parent: XmlElement | null, line: number): XmlElement {
  const attributes: XmlAttribute[] = [];
  let declarations: Record<string, string> | null = null;
  // for…in rather than Object.values: no array per element (saxes' attributes object has no prototype).
  for (const name in tag.attributes) {
    const a = tag.attributes[name];
    if (a.uri === XMLNS_URI || a.name === 'xmlns') {
      declarations ??= {};
      declarations[a.name === 'xmlns' ? '' : a.local] = a.value;
    } else {
      attributes.push({ uri: a.uri, local: a.local, prefix: a.prefix, value: a.value });
    }
  }
  return { uri: tag.uri, local: tag.local, prefix: tag.prefix, attributes, declarations, children: [], parent, line };
}

function appendText(parent: XmlElement, t: string): void {
  const last = parent.children.length - 1;
  if (last >= 0 && typeof parent.children[last] === 'string') parent.children[last] += t;
  else parent.children.push(t);
}
