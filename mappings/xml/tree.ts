/**
 * The light, namespace-resolved element tree produced by parse.ts, and the helpers that walk it by
 * (namespace URI, local name). Literal prefixes are kept only to write an element back (serialize.ts) and to
 * name unknown namespaces in locations; matching is always done on URIs (DESIGN §3).
 */

/** An attribute, namespace-resolved (uri is '' for unprefixed attributes, per Namespaces in XML §6.2). */
export interface XmlAttribute {
  uri: string;
  local: string;
  /** Prefix as written ('' when none). */
  prefix: string;
  value: string;
}

/** A child node: an element or a run of character data (entities and character references decoded). */
export type XmlNode = XmlElement | string;

export interface XmlElement {
  /** Namespace URI ('' when the element is in no namespace). */
  uri: string;
  local: string;
  /** Prefix as written ('' for the default namespace or none). */
  prefix: string;
  /** Attributes other than namespace declarations. */
  attributes: XmlAttribute[];
  /** Namespace declarations made on this element: prefix ('' for the default namespace) -> URI. */
  declarations: Record<string, string> | null;
  /** Child elements and text in document order (comments and processing instructions are dropped). */
  children: XmlNode[];
  parent: XmlElement | null;
  /** 1-based line of the start tag (where its name ends: a name followed by a newline counts on the next line). */
  line: number;
}

/**
 * One step of a path: a namespace URI (or several, e.g. GML 3.1 and 3.2; '*' for any) and a local name
 * ('*' for any).
 */
export type Step = readonly [ns: string | readonly string[], local: string];

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

/** True when `el` has this namespace URI (or one of these) and local name; '*' matches anything. */
export function matches(el: XmlElement, [ns, local]: Step): boolean {
  if (local !== '*' && el.local !== local) return false;
  if (ns === '*') return true;
  return typeof ns === 'string' ? el.uri === ns : ns.includes(el.uri);
}

/** The child elements of `el`. */
export function elements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string') out.push(c);
  return out;
}

/** Every element reached from `el` by following the steps, child by child, in document order. */
export function select(el: XmlElement | undefined, ...steps: Step[]): XmlElement[] {
  if (!el) return [];
  let current: XmlElement[] = [el];
  for (const step of steps) {
    const next: XmlElement[] = [];
    for (const parent of current) {
      for (const c of parent.children) if (typeof c !== 'string' && matches(c, step)) next.push(c);
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/**
 * The first element reached by the steps (select's first, in document order), or undefined. Depth first, stopping
 * at the first match: the mappings ask for first elements thousands of times a record, and select's arrays at
 * each step were a good part of what a harvest allocates.
 */
export function first(el: XmlElement | undefined, ...steps: Step[]): XmlElement | undefined {
  return el && firstFrom(el, steps, 0);
}

function firstFrom(el: XmlElement, steps: readonly Step[], i: number): XmlElement | undefined {
  if (i === steps.length) return el;
  const step = steps[i];
  for (const c of el.children) {
    if (typeof c === 'string' || !matches(c, step)) continue;
    const found = firstFrom(c, steps, i + 1);
    if (found) return found;
  }
  return undefined;
}

/** The first child element whatever its name: the object inside an ISO property element. */
export function firstElement(el: XmlElement | undefined): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (typeof c !== 'string') return c;
  return undefined;
}

/** Concatenated text of the element and its descendants (as the XPath string-value). */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  let out = '';
  for (const c of el.children) out += typeof c === 'string' ? c : textOf(c);
  return out;
}

/** Value of the attribute with this namespace URI ('' for unprefixed) and local name. */
export function attribute(el: XmlElement | undefined, ns: string, local: string): string | undefined {
  if (!el) return undefined;
  for (const a of el.attributes) if (a.local === local && a.uri === ns) return a.value;
  return undefined;
}

/** Namespace bindings in scope on `el`: prefix ('' default) -> URI, the nearest declaration winning. */
export function inScopeNamespaces(el: XmlElement): Map<string, string> {
  const chain: XmlElement[] = [];
  for (let e: XmlElement | null = el; e; e = e.parent) chain.push(e);
  const scope = new Map<string, string>();
  for (const e of chain.reverse()) {
    for (const [p, uri] of Object.entries(e.declarations ?? {})) scope.set(p, uri);
  }
  return scope;
}
