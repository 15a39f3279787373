/**
 * Writes an element subtree back as a standalone XML document. Used by the CSW harvester to keep each record
 * of a GetRecords page verbatim: prefixes are kept as written, and every namespace the subtree relies on from
 * its ancestors (element and attribute prefixes, and prefixes inside xsi:type values) is declared on its root.
 */
import { inScopeNamespaces, type XmlElement } from './tree.ts';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface SerializeOptions {
  /** Write `<?xml version="1.0" encoding="UTF-8"?>` first. Default true. */
  declaration?: boolean;
}

/** The subtree rooted at `el` as an XML string (encode it as UTF-8). */
export function serializeElement(el: XmlElement, options: SerializeOptions = {}): string {
  const inherited = inheritedDeclarations(el);
  const head = options.declaration === false ? '' : '<?xml version="1.0" encoding="UTF-8"?>\n';
  return head + write(el, inherited);
}

/** Declarations needed on the root: prefixes used in the subtree but bound above it. */
function inheritedDeclarations(el: XmlElement): Record<string, string> {
  const scope = el.parent ? inScopeNamespaces(el.parent) : new Map<string, string>();
  const used = new Set<string>();
  collectUnboundPrefixes(el, new Set(), used);
  const out: Record<string, string> = {};
  for (const p of used) {
    const uri = scope.get(p);
    if (uri !== undefined) out[p] = uri;
  }
  return out;
}

/** Prefixes used in the subtree that no element of the subtree itself declares on the way down. */
function collectUnboundPrefixes(el: XmlElement, bound: Set<string>, used: Set<string>): void {
  const here = el.declarations ? new Set([...bound, ...Object.keys(el.declarations)]) : bound;
  const note = (p: string): void => {
    if (!here.has(p)) used.add(p);
  };
  note(el.prefix);
  for (const a of el.attributes) {
    if (a.prefix) note(a.prefix);
    if (a.uri === XSI && a.local === 'type' && a.value.includes(':')) note(a.value.split(':')[0]);
  }
  for (const c of el.children) if (typeof c !== 'string') collectUnboundPrefixes(c, here, used);
}

function write(el: XmlElement, extra: Record<string, string> | null): string {
  const name = el.prefix ? `${el.prefix}:${el.local}` : el.local;
  let out = `<${name}`;
  const declarations = { ...(extra ?? {}), ...(el.declarations ?? {}) };
  for (const [p, uri] of Object.entries(declarations)) out += ` ${p ? `xmlns:${p}` : 'xmlns'}="${escapeAttribute(uri)}"`;
  for (const a of el.attributes) out += ` ${a.prefix ? `${a.prefix}:${a.local}` : a.local}="${escapeAttribute(a.value)}"`;
  if (el.children.length === 0) return `${out}/>`;
  out += '>';
  for (const c of el.children) out += typeof c === 'string' ? escapeText(c) : write(c, null);
  return `${out}</${name}>`;
}

function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/** Attribute values also keep their whitespace characters, which a parser would otherwise normalise. */
function escapeAttribute(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}
