/**
 * A flat RDF/XML writer: one rdf:Description per subject, one property element per triple (RDF 1.1 XML Syntax
 * §2.2–2.10, the subset needing no nesting, no typed nodes, no collections). This is the form data.gouv.fr's
 * own catalog.rdf has, and what rdflib, Jena, CKAN and GeoNetwork read; it is small enough to write and test here
 * rather than adding a dependency (rdflib.js pulls a large tree and writes nested forms; graphy is unmaintained;
 * @rdfjs has no RDF/XML serializer).
 *
 * Rules the writer keeps: every predicate is split into a declared namespace and an NCName (a generated prefix when
 * no known one fits); blank nodes get fresh NCName labels (rdf:nodeID); text is escaped, carriage returns as
 * character references so that XML end-of-line handling does not change literals, and characters XML 1.0 cannot
 * carry become U+FFFD (the DCAT writer never produces them; this is the last line of defence).
 */
import type { Quad, Term } from 'n3';

const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Serialises triples (graphs are ignored) as RDF/XML, declaring the prefixes it uses. */
export function toRdfXml(quads: Quad[], prefixes: Readonly<Record<string, string>>): string {
  const names = new QNames(prefixes);
  const blanks = new Map<string, string>();
  const nodeId = (t: Term) => {
    let id = blanks.get(t.value);
    if (!id) blanks.set(t.value, (id = `b${blanks.size}`));
    return id;
  };
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const key = `${q.subject.termType}:${q.subject.value}`;
    const list = bySubject.get(key);
    if (list) list.push(q);
    else bySubject.set(key, [q]);
  }
  const body: string[] = [];
  for (const group of bySubject.values()) {
    const s = group[0].subject;
    const about = s.termType === 'BlankNode' ? `rdf:nodeID="${nodeId(s)}"` : `rdf:about="${attr(s.value)}"`;
    body.push(`  <rdf:Description ${about}>`);
    for (const q of group) body.push(`    ${property(names.of(q.predicate.value), q.object, nodeId)}`);
    body.push('  </rdf:Description>');
  }
  const xmlns = [...names.used()].map(([p, ns]) => `\n    xmlns:${p}="${attr(ns)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF${xmlns}>\n${body.join('\n')}${body.length ? '\n' : ''}</rdf:RDF>\n`;
}

function property(name: string, o: Term, nodeId: (t: Term) => string): string {
  if (o.termType === 'NamedNode') return `<${name} rdf:resource="${attr(o.value)}"/>`;
  if (o.termType === 'BlankNode') return `<${name} rdf:nodeID="${nodeId(o)}"/>`;
  const lit = o as Term & { language: string; datatype: { value: string } };
  const datatype = lit.datatype?.value;
  let attrs = '';
  if (lit.language) attrs = ` xml:lang="${attr(lit.language)}"`;
  else if (datatype && datatype !== 'http://www.w3.org/2001/XMLSchema#string') attrs = ` rdf:datatype="${attr(datatype)}"`;
  return `<${name}${attrs}>${content(o.value)}</${name}>`;
}

/** Predicate IRIs -> QNames, with the namespaces actually used. */
class QNames {
  private readonly known: [string, string][];
  private readonly declared = new Map<string, string>([['rdf', RDF_NS]]);
  private readonly cache = new Map<string, string>();

  constructor(prefixes: Readonly<Record<string, string>>) {
    // Longest namespace first, so that a namespace inside another wins.
    this.known = Object.entries(prefixes).filter(([p]) => NCNAME.test(p) && p !== 'rdf').sort((a, b) => b[1].length - a[1].length);
  }

  of(iri: string): string {
    let name = this.cache.get(iri);
    if (!name) this.cache.set(iri, (name = this.split(iri)));
    return name;
  }

  used(): Map<string, string> {
    return this.declared;
  }

  private split(iri: string): string {
    if (iri.startsWith(RDF_NS) && NCNAME.test(iri.slice(RDF_NS.length))) return `rdf:${iri.slice(RDF_NS.length)}`;
    for (const [prefix, ns] of this.known) {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && NCNAME.test(local)) return this.declare(prefix, ns, local);
    }
    const m = /^(.*?)([A-Za-z_][A-Za-z0-9._-]*)$/.exec(iri);
    if (!m || !m[1]) throw new Error(`predicate <${iri}> cannot be written in RDF/XML (no NCName ending)`);
    const existing = [...this.declared].find(([, ns]) => ns === m[1])?.[0];
    return this.declare(existing ?? `ns${this.declared.size}`, m[1], m[2]);
  }

  private declare(prefix: string, ns: string, local: string): string {
    this.declared.set(prefix, ns);
    return `${prefix}:${local}`;
  }
}

/** Characters that need any work: most literals and IRIs have none and are written as they are. */
const SPECIAL = /[\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF&<>"]/;

function xmlSafe(s: string): string {
  return s.replace(NOT_XML, '\uFFFD');
}

function content(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

const ATTR_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };

function attr(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return xmlSafe(s).replace(/[&<"\t\n\r]/g, (c) => ATTR_ESCAPES[c]);
}
