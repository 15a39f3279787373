/**
 * Re-serialising saxes events: the rewriters parse with saxes (namespaces resolved, entities decoded) and write
 * the document back event by event, so only escaping can differ from the input, never the content.
 */
import type { SaxesAttributeNS, SaxesTagNS } from 'saxes';

export const NS_XLINK = 'http://www.w3.org/1999/xlink';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** Character data: `&`, `<` and `>` (the last for `]]>`). */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Attribute values in double quotes; tabs and line ends as references, so they survive normalisation. */
export function escapeAttribute(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]);
}

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/** A start tag with the attributes in document order, each value passed through `value` first. */
export function startTag(tag: SaxesTagNS, value: (attr: SaxesAttributeNS) => string = (a) => a.value): string {
  let out = `<${tag.name}`;
  for (const attr of Object.values(tag.attributes)) out += ` ${attr.name}="${escapeAttribute(value(attr))}"`;
  return out + (tag.isSelfClosing ? '/>' : '>');
}

/** The XML declaration of the output, which is always UTF-8. */
export function xmlDeclaration(decl: { version?: string; standalone?: string }): string {
  const standalone = decl.standalone ? ` standalone="${decl.standalone}"` : '';
  return `<?xml version="${decl.version ?? '1.0'}" encoding="UTF-8"${standalone}?>`;
}

/** CDATA sections are kept as such (a `]]>` inside is split over two sections). */
export function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** True for an attribute in the xlink namespace, or spelt `xlink:` with the prefix undeclared (WMS 1.1.1 DTDs default it). */
export function isXlink(attr: SaxesAttributeNS, local: string): boolean {
  return attr.local === local && (attr.uri === NS_XLINK || attr.prefix === 'xlink');
}

/** True for xsi:schemaLocation (by namespace, or by its usual prefix when undeclared). */
export function isSchemaLocation(attr: SaxesAttributeNS): boolean {
  return attr.local === 'schemaLocation' && (attr.uri === NS_XSI || attr.prefix === 'xsi');
}
