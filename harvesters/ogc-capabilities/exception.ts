/**
 * OGC exception answers served in place of capabilities: WMS / WFS 1.0 ServiceExceptionReport (no namespace or
 * the ogc namespace) and OWS ows:ExceptionReport (OWS 1.0 and 1.1). Read into one line for the run report.
 */
import { attribute, parseXml, select, textOf, type XmlElement } from '../../mappings/xml/index.ts';

const EXCEPTION_ROOTS = new Set(['ServiceExceptionReport', 'ExceptionReport']);

/** True when the root local name is an OGC exception report. */
export function isExceptionRoot(local: string): boolean {
  return EXCEPTION_ROOTS.has(local);
}

/** "code: text; code: text" from an exception report; the raw text when it cannot be parsed. */
export function exceptionText(bytes: Buffer): string {
  let root: XmlElement;
  try {
    root = parseXml(bytes).root;
  } catch {
    return bytes.toString('utf8', 0, 500).replace(/\s+/g, ' ').trim();
  }
  const lines = select(root, ['*', '*']).filter((e) => /Exception$/.test(e.local)).map((e) => {
    const code = attribute(e, '', 'code') ?? attribute(e, '', 'exceptionCode');
    const texts = select(e, ['*', 'ExceptionText']);
    const text = (texts.length ? texts.map(textOf).join(' ') : textOf(e)).replace(/\s+/g, ' ').trim();
    return code ? `${code}: ${text}` : text;
  });
  return lines.join('; ') || textOf(root).replace(/\s+/g, ' ').trim();
}
