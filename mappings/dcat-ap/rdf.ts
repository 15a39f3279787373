/**
 * The RDF layer of the DCAT mappings and harvester, over well-kept RDF/JS libraries:
 * - Turtle and N-Triples: n3 (N3.js), synchronous, strict (a syntax error rejects the document);
 * - RDF/XML: rdfxml-streaming-parser, fed synchronously, behind the safe XML layer (`parseXml` refuses DTD
 *   entities / XXE and bounds size and depth before a single triple is read);
 * - JSON-LD: jsonld (the W3C reference implementation) with a document loader that never goes to the network:
 *   a remote `@context` is refused with a clear error instead of being fetched (SSRF, offline hubs, slow hosts).
 * IRIs that are not IRIs (GeoNetwork writes two URIs joined by a space) are repaired by percent-encoding, and
 * every repair is reported.
 */
import jsonld from 'jsonld';
import { DataFactory, Parser as N3Parser, Store, type Quad, type Term } from 'n3';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import { decodeXml, parseXml, XmlError } from '../xml/index.ts';

const { namedNode, blankNode, literal, quad, defaultGraph } = DataFactory;

export type { Quad, Term };
export type RdfSyntax = 'turtle' | 'n-triples' | 'rdf-xml' | 'json-ld';

/** The media type written for each syntax. */
export const SYNTAX_MEDIA_TYPES: Readonly<Record<RdfSyntax, string>> = {
  turtle: 'text/turtle',
  'n-triples': 'application/n-triples',
  'rdf-xml': 'application/rdf+xml',
  'json-ld': 'application/ld+json',
};

/** Content-Type (without parameters) -> syntax. XML and JSON types are confirmed by the first bytes. */
const BY_MEDIA_TYPE: Readonly<Record<string, RdfSyntax>> = {
  'text/turtle': 'turtle',
  'application/x-turtle': 'turtle',
  'application/turtle': 'turtle',
  'text/n3': 'turtle',
  'application/n-triples': 'n-triples',
  'application/rdf+xml': 'rdf-xml',
  'application/xml': 'rdf-xml',
  'text/xml': 'rdf-xml',
  'application/ld+json': 'json-ld',
  'application/json': 'json-ld',
};

/** The document cannot be read as RDF: a syntax error, an unsafe XML document, a remote JSON-LD context. */
export class RdfError extends Error {
  constructor(
    message: string,
    readonly syntax: RdfSyntax | 'html' | 'unknown',
  ) {
    super(message);
    this.name = 'RdfError';
  }
}

/**
 * The syntax of a document, from its Content-Type and its first bytes; 'html' for an HTML page (an error page
 * served with 200, a portal's landing page), null when nothing fits. The bytes win over a generic or wrong
 * Content-Type: servers label Turtle text/plain and JSON-LD application/octet-stream.
 */
export function detectSyntax(mediaType: string, bytes: Uint8Array): RdfSyntax | 'html' | null {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const sniffed = sniff(head);
  const declared = BY_MEDIA_TYPE[mediaType.split(';')[0].trim().toLowerCase()];
  if (sniffed === 'html' || sniffed === 'json-ld' || sniffed === 'rdf-xml') return sniffed;
  if (declared && declared !== 'json-ld' && declared !== 'rdf-xml') return declared;
  return sniffed;
}

function sniff(head: string): RdfSyntax | 'html' | null {
  if (/^<!doctype html|^<html[\s>]/i.test(head)) return 'html';
  if (head.startsWith('{') || head.startsWith('[')) return 'json-ld';
  if (/^<(\?xml|!--|[A-Za-z_][\w.-]*:RDF\b|RDF\b)/.test(head)) return /<html[\s>]/i.test(head) ? 'html' : 'rdf-xml';
  if (/^(@prefix|@base|prefix\s|base\s|<[^>\s]*>\s*<|_:|#)/i.test(head)) return 'turtle';
  return null;
}

/** Parses Turtle, N-Triples or RDF/XML synchronously (what a pure mapping can use). Throws RdfError. */
export function parseRdfSync(input: Uint8Array | string, syntax: Exclude<RdfSyntax, 'json-ld'>, baseIri: string): Quad[] {
  if (syntax === 'rdf-xml') return parseRdfXml(input, baseIri);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  try {
    return new N3Parser({ format: syntax === 'turtle' ? 'Turtle' : 'N-Triples', baseIRI: baseIri }).parse(text);
  } catch (e) {
    throw new RdfError(`${syntax === 'turtle' ? 'Turtle' : 'N-Triples'} syntax error: ${(e as Error).message}`, syntax);
  }
}

/** Parses any of the four syntaxes (JSON-LD is asynchronous in every implementation). Throws RdfError. */
export async function parseRdf(bytes: Uint8Array, syntax: RdfSyntax, baseIri: string): Promise<Quad[]> {
  if (syntax !== 'json-ld') return parseRdfSync(bytes, syntax, baseIri);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new RdfError(`JSON syntax error: ${(e as Error).message}`, 'json-ld');
  }
  try {
    const out = (await jsonld.toRDF(doc as jsonld.JsonLdDocument, { base: baseIri, documentLoader: refuseRemote })) as unknown;
    return (out as JsonLdQuad[]).map(fromJsonLd);
  } catch (e) {
    throw new RdfError(`JSON-LD error: ${jsonLdMessage(e)}`, 'json-ld');
  }
}

/** jsonld's document loader: never fetches; a remote context is an error naming it. */
async function refuseRemote(url: string): Promise<never> {
  throw new RdfError(
    `remote JSON-LD context ${url} is not fetched (moisson never dereferences contexts: inline the @context)`,
    'json-ld',
  );
}

/** jsonld wraps loader errors in its own; the innermost message is the useful one. */
function jsonLdMessage(e: unknown): string {
  let err = e as { message?: string; details?: { cause?: unknown }; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && err; i++) {
    if (err instanceof RdfError) return err.message;
    err = (err.details?.cause ?? err.cause) as typeof err;
  }
  return (e as Error).message;
}

interface JsonLdTerm {
  termType: string;
  value: string;
  datatype?: { value: string };
  language?: string;
}
interface JsonLdQuad {
  subject: JsonLdTerm;
  predicate: JsonLdTerm;
  object: JsonLdTerm;
}

/** jsonld's plain quads -> N3 terms; named graphs are merged into the default graph. */
function fromJsonLd(q: JsonLdQuad): Quad {
  return quad(node(q.subject) as Quad['subject'], namedNode(q.predicate.value), objectTerm(q.object), defaultGraph());
}

function node(t: JsonLdTerm): Term {
  return t.termType === 'BlankNode' ? blankNode(t.value.replace(/^_:/, '')) : namedNode(t.value);
}

function objectTerm(t: JsonLdTerm): Quad['object'] {
  if (t.termType !== 'Literal') return node(t) as Quad['object'];
  return literal(t.value, t.language || (t.datatype ? namedNode(t.datatype.value) : undefined));
}

/** RDF/XML through the safe XML layer first, then rdfxml-streaming-parser fed in one synchronous write. */
function parseRdfXml(input: Uint8Array | string, baseIri: string): Quad[] {
  let text: string;
  try {
    text = typeof input === 'string' ? input : decodeXml(input).text;
    parseXml(text);
  } catch (e) {
    const what = e instanceof XmlError ? e.message : (e as Error).message;
    throw new RdfError(`RDF/XML is not acceptable XML: ${what}`, 'rdf-xml');
  }
  const quads: Quad[] = [];
  const errors: Error[] = [];
  // IRIs are repaired afterwards (repairIris) rather than rejected with the whole document.
  const parser = new RdfXmlParser({ baseIRI: baseIri, validateUri: false, dataFactory: DataFactory });
  parser.on('data', (q: Quad) => quads.push(q));
  parser.on('error', (e: Error) => errors.push(e));
  // _transform is called directly so that a thrown error reaches us synchronously (write() defers it).
  parser._transform(text, 'utf8', (e?: Error | null) => {
    if (e) errors.push(e);
  });
  if (errors.length > 0) throw new RdfError(`RDF/XML error: ${errors[0].message}`, 'rdf-xml');
  return quads;
}

/** Characters that RFC 3987 forbids in an IRI and that parsers let through. */
const NOT_IRI = /[\u0000-\u0020<>"{}|\\^`\u007f]/g;

export interface RepairedQuads {
  quads: Quad[];
  /** Original IRI -> repaired IRI. */
  repaired: Map<string, string>;
}

/** Percent-encodes the characters no IRI may hold (spaces…), so that the graph can be written and read back. */
export function repairIris(quads: Quad[]): RepairedQuads {
  const repaired = new Map<string, string>();
  const fix = <T extends Term>(t: T): T => {
    if (t.termType !== 'NamedNode' || !/[\u0000-\u0020<>"{}|\\^`\u007f]/.test(t.value)) return t;
    const iri = t.value.trim().replace(NOT_IRI, (c) => encodeURIComponent(c));
    repaired.set(t.value, iri);
    return namedNode(iri) as unknown as T;
  };
  const out = quads.map((q) => quad(fix(q.subject), fix(q.predicate), fix(q.object), defaultGraph()));
  return { quads: out, repaired };
}

/** An indexed graph (n3 Store) with the few lookups the mapping and the harvester need. */
export class Graph {
  readonly store: Store;

  constructor(quads: Quad[]) {
    this.store = new Store(quads);
  }

  objects(subject: Term, predicate: string): Term[] {
    return this.store.getObjects(subject, namedNode(predicate), null);
  }

  /** Objects of the first predicate that has any. */
  objectsOfAny(subject: Term, predicates: readonly string[]): Term[] {
    for (const p of predicates) {
      const found = this.objects(subject, p);
      if (found.length > 0) return found;
    }
    return [];
  }

  subjects(predicate: string, object: Term): Term[] {
    return this.store.getSubjects(namedNode(predicate), object, null);
  }

  types(subject: Term): string[] {
    return this.objects(subject, RDF_TYPE).map((t) => t.value);
  }

  subjectsOfType(type: string): Term[] {
    return this.subjects(RDF_TYPE, namedNode(type));
  }

  quadsAbout(subject: Term): Quad[] {
    return this.store.getQuads(subject, null, null, null);
  }

  /** Quads whose object is `object`. */
  quadsTo(object: Term): Quad[] {
    return this.store.getQuads(null, null, object, null);
  }
}

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

export { namedNode, literal, blankNode };
