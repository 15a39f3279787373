/**
 * What the DCAT readers share: the graph, the record resource, the record's language, the issues, and the
 * place of every node (an IRI, or a `_:` path from the record resource for a blank node) for issue paths.
 */
import type { MappingIssue, Translations } from '../types.ts';
import { languageCode } from './languages.ts';
import type { Graph, Term } from './rdf.ts';
import { termKey } from './describe.ts';

export interface ReadContext {
  graph: Graph;
  root: Term;
  /** ISO 639-2/B code of the record's main texts; '' when the texts are untagged. */
  lang: string;
  issues: MappingIssue[];
  /** termKey -> issue path, for the blank nodes reachable from the root. */
  paths: Map<string, string>;
}

/** Readable prefixes for issue paths. */
const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['http://www.w3.org/ns/dcat#', 'dcat:'],
  ['http://purl.org/dc/terms/', 'dct:'],
  ['http://xmlns.com/foaf/0.1/', 'foaf:'],
  ['http://www.w3.org/2006/vcard/ns#', 'vcard:'],
  ['http://www.w3.org/ns/locn#', 'locn:'],
  ['http://www.w3.org/ns/adms#', 'adms:'],
  ['http://www.w3.org/2004/02/skos/core#', 'skos:'],
  ['http://www.w3.org/ns/prov#', 'prov:'],
  ['http://schema.org/', 'schema:'],
  ['http://www.w3.org/2006/time#', 'time:'],
  ['http://data.europa.eu/930/', 'geodcat:'],
];

export function curie(iri: string): string {
  for (const [ns, prefix] of PREFIXES) if (iri.startsWith(ns)) return prefix + iri.slice(ns.length);
  return `<${iri}>`;
}

/** Paths of the blank nodes reachable from the root: `<root>/dct:spatial[2]/locn:geometry`. */
export function assignPaths(graph: Graph, root: Term): Map<string, string> {
  const paths = new Map<string, string>([[termKey(root), root.termType === 'NamedNode' ? root.value : '_:record']]);
  const queue: Term[] = [root];
  for (let i = 0; i < queue.length; i++) {
    const from = paths.get(termKey(queue[i]))!;
    const counts = new Map<string, number>();
    for (const q of graph.quadsAbout(queue[i])) {
      if (q.object.termType !== 'BlankNode' || paths.has(termKey(q.object))) continue;
      const n = (counts.get(q.predicate.value) ?? 0) + 1;
      counts.set(q.predicate.value, n);
      paths.set(termKey(q.object), `${from}/${curie(q.predicate.value)}[${n}]`);
      queue.push(q.object);
    }
  }
  return paths;
}

/** The issue path of a node. */
export function pathOf(ctx: ReadContext, node: Term): string {
  return node.termType === 'NamedNode' ? node.value : (ctx.paths.get(termKey(node)) ?? `_:${node.value}`);
}

export function warn(ctx: ReadContext, node: Term, message: string, predicate?: string): void {
  const at = pathOf(ctx, node);
  ctx.issues.push({ severity: 'warning', path: predicate ? `${at}/${curie(predicate)}` : at, message });
}

export function literals(ctx: ReadContext, node: Term, predicates: readonly string[]): Term[] {
  return predicates.flatMap((p) => ctx.graph.objects(node, p)).filter((t) => t.termType === 'Literal');
}

/** The language of a literal as ISO 639-2/B, '' when untagged. */
export function langOf(t: Term): string {
  const tag = (t as { language?: string }).language ?? '';
  return tag ? languageCode(tag) : '';
}

/** Language preference for the main text: the record's language, then French, English, untagged. */
const PREFERRED = ['fre', 'eng', ''];

/** The record's language, chosen from the tags on its titles. */
export function chooseLanguage(titles: Term[]): string {
  const langs = new Set(titles.map(langOf));
  for (const l of PREFERRED) if (langs.has(l)) return l;
  return [...langs].sort()[0] ?? '';
}

export interface Text {
  main?: string;
  translations?: Translations;
}

/** Main text in the record's language (or the best other), the other tagged languages as translations. */
export function textIn(ctx: ReadContext, node: Term, predicates: readonly string[]): Text {
  const all = literals(ctx, node, predicates).filter((t) => t.value.trim());
  if (all.length === 0) return {};
  const order = [ctx.lang, ...PREFERRED];
  const main = order.map((l) => all.find((t) => langOf(t) === l)).find(Boolean) ?? all[0];
  const translations: Translations = {};
  for (const t of all) {
    const l = langOf(t);
    if (l && l !== langOf(main) && !(l in translations)) translations[l] = t.value.trim();
  }
  return { main: main.value.trim(), ...(Object.keys(translations).length > 0 ? { translations } : {}) };
}

/** The main text only. */
export function text(ctx: ReadContext, node: Term, predicates: readonly string[]): string | undefined {
  return textIn(ctx, node, predicates).main;
}

/** A label for a resource: its prefLabel / label / title / name in the record's language, else undefined. */
export function labelOf(ctx: ReadContext, node: Term): string | undefined {
  return text(ctx, node, LABELS);
}

const LABELS = [
  'http://www.w3.org/2004/02/skos/core#prefLabel',
  'http://www.w3.org/2000/01/rdf-schema#label',
  'http://purl.org/dc/terms/title',
  'http://xmlns.com/foaf/0.1/name',
];

/** Sets `obj[key]` only when `value` is neither undefined nor empty (the schema has no nulls for these). */
export function assign<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
  obj[key] = value;
}

/** Values of a property as strings: IRIs and literals alike, trimmed, without empties. */
export function values(ctx: ReadContext, node: Term, predicate: string): Term[] {
  return ctx.graph.objects(node, predicate).filter((t) => t.termType === 'BlankNode' || t.value.trim() !== '');
}

/** Adds an item to a list unless an equal one (JSON) is there. */
export function pushUnique<T>(list: T[], item: T): void {
  const key = JSON.stringify(item);
  if (!list.some((x) => JSON.stringify(x) === key)) list.push(item);
}
