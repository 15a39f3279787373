/**
 * One harvested DCAT document per dataset: which resources of a page are records, what belongs to each
 * (its bounded description), and the stable bytes it is stored as. Pure (no I/O); shared by the DCAT harvester
 * and by anyone splitting a DCAT page (a CSW DCAT answer, a catalogue file).
 */
import { canonize } from 'rdf-canonize';
import { DCAT, DCT, FOAF, LABEL_PROPERTIES, RECORD_TYPES, STOP_TYPES } from './vocab.ts';
import { namedNode, type Graph, type Quad, type Term } from './rdf.ts';

/** A description larger than this is cut (a dataset pointing into a huge shared graph): enough for any record. */
export const MAX_DESCRIPTION_QUADS = 20_000;

/** The record resources (dcat:Dataset, dcat:DatasetSeries, dcat:DataService) of a graph, IRIs first, sorted. */
export function recordNodes(graph: Graph): Term[] {
  const byId = new Map<string, Term>();
  for (const type of Object.keys(RECORD_TYPES)) {
    for (const t of graph.subjectsOfType(type)) byId.set(termKey(t), t);
  }
  return [...byId.values()].sort((a, b) => compareTerms(a, b));
}

/**
 * The record resources worth a record of their own: a blank-node dcat:DataService that is the
 * dcat:accessService of a distribution is part of that distribution, not a catalogue entry.
 */
export function harvestableRecords(graph: Graph): Term[] {
  return recordNodes(graph).filter(
    (n) => n.termType !== 'BlankNode' || !graph.quadsTo(n).some((q) => q.predicate.value === DCAT('accessService')),
  );
}

/** The MD_ScopeCode a record resource maps to: series wins over dataset (Sextant types a series as both). */
export function scopeOf(graph: Graph, node: Term): string {
  const scopes = graph.types(node).map((t) => RECORD_TYPES[t]).filter(Boolean);
  for (const s of ['series', 'service', 'dataset']) if (scopes.includes(s)) return s;
  return 'dataset';
}

/**
 * The id of a record resource in its source: its IRI, or for a blank node its dct:identifier (a blank-node
 * label changes on every load and must never be one), else its catalogue record's. Undefined when none exists.
 */
export function nativeIdOf(graph: Graph, node: Term): string | undefined {
  if (node.termType === 'NamedNode') return node.value;
  // GeoDCAT-AP puts the ISO fileIdentifier on the catalogue record of a blank-node resource.
  const records = [...graph.objects(node, FOAF('isPrimaryTopicOf')), ...graph.subjects(FOAF('primaryTopic'), node)];
  for (const subject of [node, ...records]) {
    const id = graph.objects(subject, DCT('identifier')).find((t) => t.termType === 'Literal' && t.value.trim());
    if (id) return id.value.trim();
  }
  return undefined;
}

/**
 * The bounded description of a record resource: its triples, and those of every node reachable from it
 * (blank nodes, distributions, contact points, periods, geometries, concepts…), plus the catalogue records
 * about it (foaf:primaryTopic). Another record, the catalogue and Hydra nodes are not entered: only their
 * labels are kept. A dcat:DataService reached through dcat:accessService is part of the distribution.
 */
export function describe(graph: Graph, start: Term): Quad[] {
  const out: Quad[] = [];
  const seen = new Set<string>([termKey(start)]);
  const queue: Term[] = [start, ...graph.subjects(FOAF('primaryTopic'), start)];
  for (const t of queue.slice(1)) seen.add(termKey(t));
  for (let i = 0; i < queue.length && out.length < MAX_DESCRIPTION_QUADS; i++) {
    for (const q of graph.quadsAbout(queue[i])) {
      out.push(q);
      const o = q.object;
      if (o.termType === 'Literal' || seen.has(termKey(o))) continue;
      seen.add(termKey(o));
      if (isStop(graph, o, q.predicate.value)) out.push(...labels(graph, o));
      else queue.push(o);
    }
  }
  return out;
}

function isStop(graph: Graph, node: Term, via: string): boolean {
  const types = graph.types(node);
  if (types.some((t) => STOP_TYPES.has(t))) return true;
  return types.includes(DCAT('DataService')) && via !== DCAT('accessService');
}

function labels(graph: Graph, node: Term): Quad[] {
  return LABEL_PROPERTIES.flatMap((p) => graph.store.getQuads(node, namedNode(p), null, null)).filter(
    (q) => q.object.termType !== 'BlankNode',
  );
}

/**
 * The canonical N-Triples of a set of triples (RDF Dataset Canonicalization, RDFC-1.0, by rdf-canonize): blank
 * nodes get labels derived from the graph's shape, and lines are sorted, so the same content always gives the
 * same bytes whatever the order or the blank-node labels of the page it came from. The harvest diffs by hash.
 */
export async function canonicalNTriples(quads: Quad[]): Promise<string> {
  return canonize(quads, { algorithm: 'RDFC-1.0', format: 'application/n-quads', maxWorkFactor: 1 });
}

/** A key telling terms apart across types ("an IRI" vs "a blank node with the same label"). */
export function termKey(t: Term): string {
  return `${t.termType}:${t.value}`;
}

function compareTerms(a: Term, b: Term): number {
  if (a.termType !== b.termType) return a.termType === 'NamedNode' ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
