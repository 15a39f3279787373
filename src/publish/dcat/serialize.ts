/**
 * RDF serialisations of the hub's DCAT pages: RDF/XML (flat, rdfxml.ts), Turtle and N-Triples (n3's Writer), and
 * JSON-LD (flattened and compacted with an inline context of prefixes only, jsonld.ts: no remote context, no term
 * alias that could change a value's meaning).
 *
 * Before any of them the triples are de-duplicated (a concept or a source catalogue described by several datasets
 * of the page is written once) and grouped by subject in first-seen order, which makes Turtle and RDF/XML
 * readable (one block per resource) without changing the graph.
 */
import { Writer, type Quad } from 'n3';
import { toJsonLd } from './jsonld.ts';
import { toRdfXml } from './rdfxml.ts';

export type DcatFormat = 'rdf-xml' | 'turtle' | 'n-triples' | 'json-ld';

/** Media type and file extension of each format. */
export const DCAT_FORMATS: Readonly<Record<DcatFormat, { mediaType: string; extension: string }>> = {
  'rdf-xml': { mediaType: 'application/rdf+xml', extension: 'rdf' },
  turtle: { mediaType: 'text/turtle', extension: 'ttl' },
  'n-triples': { mediaType: 'application/n-triples', extension: 'nt' },
  'json-ld': { mediaType: 'application/ld+json', extension: 'jsonld' },
};

/** The prefixes written in Turtle, RDF/XML and the JSON-LD context. */
export const PREFIXES: Readonly<Record<string, string>> = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  locn: 'http://www.w3.org/ns/locn#',
  gsp: 'http://www.opengis.net/ont/geosparql#',
  prov: 'http://www.w3.org/ns/prov#',
  adms: 'http://www.w3.org/ns/adms#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  dqv: 'http://www.w3.org/ns/dqv#',
  geodcatap: 'http://data.europa.eu/930/',
  dcatap: 'http://data.europa.eu/r5r/',
  hydra: 'http://www.w3.org/ns/hydra/core#',
};

function objectKey(t: Quad['object']): string {
  if (t.termType !== 'Literal') return t.termType === 'NamedNode' ? `<${t.value}` : `_${t.value}`;
  return `"${t.value}\u0000${t.language}\u0000${t.datatype.value}`;
}

/** Distinct triples, grouped by subject in the order subjects first appear. */
export function normaliseQuads(quads: Quad[]): Quad[] {
  const groups = new Map<string, { quads: Quad[]; seen: Set<string> }>();
  for (const q of quads) {
    const s = `${q.subject.termType === 'BlankNode' ? '_' : '<'}${q.subject.value}`;
    let group = groups.get(s);
    if (!group) groups.set(s, (group = { quads: [], seen: new Set() }));
    // Keys per subject: short strings, so that a page of 10,000 triples is de-duplicated in a few milliseconds.
    const key = `${q.predicate.value}\u0001${objectKey(q.object)}`;
    if (group.seen.has(key)) continue;
    group.seen.add(key);
    group.quads.push(q);
  }
  return [...groups.values()].flatMap((g) => g.quads);
}

/** Serialises triples in `format`. */
export async function serializeQuads(quads: Quad[], format: DcatFormat): Promise<string> {
  const triples = normaliseQuads(quads);
  switch (format) {
    case 'rdf-xml':
      return toRdfXml(triples, PREFIXES);
    case 'turtle':
      return n3Write(triples, 'Turtle', PREFIXES);
    case 'n-triples':
      return n3Write(triples, 'N-Triples');
    case 'json-ld':
      return JSON.stringify(toJsonLd(triples, PREFIXES));
  }
}

function n3Write(quads: Quad[], format: 'Turtle' | 'N-Triples', prefixes?: Record<string, string>): Promise<string> {
  const writer = new Writer({ format, ...(prefixes ? { prefixes } : {}) });
  writer.addQuads(quads);
  return new Promise((resolve, reject) => writer.end((err, out) => (err ? reject(err) : resolve(out))));
}
