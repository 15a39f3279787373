/**
 * XPath-like locations for issues: `/gmd:MD_Metadata/gmd:identificationInfo[1]/gmd:MD_DataIdentification`.
 * Well-known namespaces get their canonical prefix whatever the document used, so that reports read the same
 * across producers; other namespaces keep the document's prefix.
 */
import type { XmlElement } from './tree.ts';

/** Canonical prefixes for the namespaces met in ISO 19139 and CSW documents. */
export const CANONICAL_PREFIXES: Readonly<Record<string, string>> = {
  'http://www.isotc211.org/2005/gmd': 'gmd',
  'http://www.isotc211.org/2005/gco': 'gco',
  'http://www.isotc211.org/2005/gmx': 'gmx',
  'http://www.isotc211.org/2005/srv': 'srv',
  'http://www.isotc211.org/2005/gmi': 'gmi',
  'http://www.isotc211.org/2005/gts': 'gts',
  'http://www.opengis.net/gml/3.2': 'gml',
  'http://www.opengis.net/gml': 'gml',
  'http://www.w3.org/1999/xlink': 'xlink',
  'http://www.w3.org/2001/XMLSchema-instance': 'xsi',
  'http://www.opengis.net/cat/csw/2.0.2': 'csw',
};

/** The element's name with its canonical prefix (or its own prefix for other namespaces). */
export function qualifiedName(el: XmlElement): string {
  const prefix = CANONICAL_PREFIXES[el.uri] ?? el.prefix;
  return prefix ? `${prefix}:${el.local}` : el.local;
}

/**
 * Location of `el` from the document root (or from `root` when given, for a record embedded in a CSW answer).
 * A step gets a 1-based position `[n]` when its parent has several children of that name.
 */
export function locate(el: XmlElement, root?: XmlElement): string {
  const steps: string[] = [];
  for (let e: XmlElement | null = el; e; e = e.parent) {
    // The root of an embedded record is addressed as a document of its own: no position.
    steps.push(qualifiedName(e) + (e === root ? '' : position(e)));
    if (e === root) break;
  }
  return `/${steps.reverse().join('/')}`;
}

function position(el: XmlElement): string {
  if (!el.parent) return '';
  let index = 0;
  let count = 0;
  for (const c of el.parent.children) {
    if (typeof c === 'string' || c.local !== el.local || c.uri !== el.uri) continue;
    count++;
    if (c === el) index = count;
  }
  return count > 1 ? `[${index}]` : '';
}
