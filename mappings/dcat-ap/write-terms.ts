/**
 * Safe RDF terms for the DCAT writer. Everything written comes from harvested documents, so:
 * - literals lose the characters XML 1.0 cannot carry (controls, lone surrogates, U+FFFE/FFFF): the same graph must
 *   come out of Turtle, N-Triples, JSON-LD and RDF/XML, and an RDF/XML page with a \u0001 in it is not XML;
 * - IRIs are percent-encoded where RFC 3987 forbids a character (a space in a GeoNetwork URL), and dropped when
 *   they are still not an absolute IRI of an allowed scheme: an invalid IRI must never break a serialisation;
 * - typed dates follow the lexical form (xsd:date, xsd:dateTime, xsd:gYearMonth, xsd:gYear) and an impossible date
 *   is left out rather than written as an ill-typed literal;
 * - decimals never use exponent notation (not an xsd:decimal lexical form).
 */
import { DataFactory, type BlankNode, type Literal, type NamedNode, type Quad } from 'n3';
import { RDF, XSD } from './vocab.ts';

const { namedNode, blankNode, literal, quad, defaultGraph } = DataFactory;

export type Subject = NamedNode | BlankNode;
export type ObjectTerm = NamedNode | BlankNode | Literal;

/** Characters XML 1.0 forbids, lone surrogates and the two non-characters at the end of the BMP. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text fit for any RDF syntax: XML-illegal characters replaced by U+FFFD, outer whitespace trimmed. */
export function cleanText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').trim();
}

/** Characters RFC 3987 forbids in an IRI (and brackets, which RDF/XML parsers reject outside a host). */
const NOT_IRI = /[\u0000-\u0020<>"{}|\\^`\u007f[\]]/g;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** Schemes whose IRIs must parse as URLs with a host. */
const HIERARCHICAL = new Set(['http', 'https', 'ftp']);
const DEFAULT_SCHEMES: readonly string[] = ['http', 'https', 'ftp', 'urn'];

/**
 * An IRI from harvested text, repaired by percent-encoding, or undefined when it cannot be one (no scheme, a scheme
 * not allowed here, an http URL that does not parse). Lone surrogates are dropped: they have no UTF-8 encoding.
 */
export function safeIri(raw: string | undefined, schemes: readonly string[] = DEFAULT_SCHEMES): string | undefined {
  if (!raw) return undefined;
  const s = raw
    .trim()
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g, '')
    .replace(NOT_IRI, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const scheme = SCHEME.exec(s)?.[1].toLowerCase();
  if (!scheme || !schemes.includes(scheme)) return undefined;
  if (HIERARCHICAL.has(scheme)) {
    try {
      if (!new URL(s).host) return undefined;
    } catch {
      return undefined;
    }
  } else if (s.length <= scheme.length + 1) return undefined;
  return s;
}

/** A named node for harvested text, or undefined (see safeIri). */
export function iri(raw: string | undefined, schemes?: readonly string[]): NamedNode | undefined {
  const s = safeIri(raw, schemes);
  return s === undefined ? undefined : namedNode(s);
}

/** mailto: IRI of an e-mail address (a leading "mailto:" tolerated), or undefined. */
export function mailto(email: string | undefined): NamedNode | undefined {
  const e = email?.trim().replace(/^mailto:/i, '');
  if (!e || !/^[^\s@<>]+@[^\s@<>]+$/.test(e)) return undefined;
  return iri(`mailto:${e}`, ['mailto']);
}

/** tel: IRI of a phone number as people write it ("+420 284 044 455", "01.23.45.67.89"), or undefined. */
export function tel(phone: string | undefined): NamedNode | undefined {
  const digits = phone?.trim().replace(/[\s().-]/g, '');
  if (!digits || !/^\+?\d{3,20}$/.test(digits)) return undefined;
  return namedNode(`tel:${digits}`);
}

/** A BCP 47 language tag as RDF literals carry it, or undefined when `tag` is not one. */
export function validLangTag(tag: string | undefined): string | undefined {
  return tag && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? tag.toLowerCase() : undefined;
}

/** A text literal (cleaned), with a language tag when one is given; undefined for empty text. */
export function text(value: string | undefined, lang?: string): Literal | undefined {
  const v = value === undefined ? '' : cleanText(value);
  if (!v) return undefined;
  const tag = validLangTag(lang);
  return tag ? literal(v, tag) : literal(v);
}

export function typed(value: string, datatype: string): Literal {
  return literal(value, namedNode(datatype));
}

const DATE_FORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/, 'dateTime'],
  [/^-?\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/, 'date'],
  [/^-?\d{4}-\d{2}$/, 'gYearMonth'],
  [/^-?\d{4}$/, 'gYear'],
];

/**
 * A date or date-time as found in the record -> a literal typed by its lexical form, or undefined when it has none
 * of the forms or names a day that does not exist (2019-02-30 would make validators reject the whole page).
 */
export function dateLiteral(raw: string | undefined): Literal | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  const form = DATE_FORMS.find(([re]) => re.test(v));
  if (!form || !realDay(v)) return undefined;
  return typed(v, XSD(form[1]));
}

function realDay(v: string): boolean {
  const m = /^(-?\d{4})-(\d{2})(?:-(\d{2}))?(?:T(\d{2}):(\d{2}):(\d{2}))?/.exec(v);
  if (!m) return true;
  const [year, month, day] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  const timeOk = m[4] === undefined || (Number(m[4]) <= 24 && Number(m[5]) < 60 && Number(m[6]) < 61);
  return d.getUTCDate() === day && d.getUTCMonth() === month - 1 && timeOk;
}

/** An xsd:dateTime of an instant (the hub's own timestamps). */
export function dateTime(d: Date): Literal {
  return typed(d.toISOString(), XSD('dateTime'));
}

/** The xsd:decimal lexical form of a finite number: never "1e-7". */
export function decimalLexical(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const fixed = n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '' || fixed === '-' ? '0' : fixed;
}

export function decimal(n: number): Literal {
  return typed(decimalLexical(n), XSD('decimal'));
}

export function integer(n: number): Literal {
  return typed(String(Math.trunc(n)), XSD('integer'));
}

/**
 * The quads of one description, written through small helpers that skip what is undefined, so that the writers
 * read as a list of "property <- field" lines.
 */
export class QuadList {
  readonly quads: Quad[] = [];

  add(s: Subject, p: string, o: ObjectTerm | undefined): void {
    if (o !== undefined) this.quads.push(quad(s, namedNode(p), o, defaultGraph()));
  }

  /** rdf:type for each class. */
  type(s: Subject, ...classes: string[]): void {
    for (const c of classes) this.add(s, RDF('type'), namedNode(c));
  }

  /** A fresh blank node typed with `classes`. */
  node(...classes: string[]): BlankNode {
    const b = blankNode();
    this.type(b, ...classes);
    return b;
  }

  /** `p` -> the harvested IRI when it is one (see safeIri); false when it was left out. */
  iri(s: Subject, p: string, raw: string | undefined, schemes?: readonly string[]): boolean {
    const o = iri(raw, schemes);
    this.add(s, p, o);
    return o !== undefined;
  }
}

export { namedNode };
