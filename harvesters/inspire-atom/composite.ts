/**
 * Builds the document the inspire-atom harvester yields for one feed: the feed with its harvest context
 * attached as a last extension element (the representation is described in
 * mappings/inspire-atom/namespaces.ts). Pure. The feed is written back from its parsed tree as UTF-8, so
 * whatever encoding the server used, the stored original is one well-formed UTF-8 document; comments are not
 * kept. Nothing volatile (no fetch time) goes in, so an unchanged feed gives the same bytes and content hash.
 */
import { NS_HARVEST } from '../../mappings/inspire-atom/namespaces.ts';
import { serializeElement, type XmlElement } from '../../mappings/xml/index.ts';

export interface HarvestContextParts {
  /** The service feed entry that led to this dataset feed. */
  serviceEntry?: XmlElement;
  /** The ISO record found behind the describedby link, with that link. */
  metadata?: { href: string; record: XmlElement };
}

/** The feed, serialised, with a moisson:harvestContext element appended when there is context to keep. */
export function feedWithContext(feed: XmlElement, parts: HarvestContextParts): Buffer {
  const xml = serializeElement(feed);
  const inner = [
    parts.serviceEntry ? `<moisson:serviceEntry>${serializeElement(parts.serviceEntry, { declaration: false })}</moisson:serviceEntry>` : '',
    parts.metadata
      ? `<moisson:linkedMetadata href="${escapeAttribute(parts.metadata.href)}">${serializeElement(parts.metadata.record, { declaration: false })}</moisson:linkedMetadata>`
      : '',
  ].join('');
  if (!inner) return Buffer.from(xml, 'utf8');
  const context = `<moisson:harvestContext xmlns:moisson="${NS_HARVEST}">${inner}</moisson:harvestContext>`;
  return Buffer.from(insertLastChild(xml, feed, context), 'utf8');
}

/** Inserts `child` before the root's end tag (opening the root when it was written self-closed). */
function insertLastChild(xml: string, root: XmlElement, child: string): string {
  if (root.children.length === 0) return `${xml.slice(0, -2)}>${child}</${root.prefix ? `${root.prefix}:` : ''}${root.local}>`;
  const end = xml.lastIndexOf('</');
  return xml.slice(0, end) + child + xml.slice(end);
}

function escapeAttribute(s: string): string {
  return s.replace(/[&<"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&quot;'));
}
