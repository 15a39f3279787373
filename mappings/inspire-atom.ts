/**
 * INSPIRE Atom download service feeds (TG Download Services 3.1) -> records. A service feed gives a download
 * service record operating on its datasets; a dataset feed gives a dataset record whose online resources are
 * the files (format, CRS, size). A feed yielded by the inspire-atom harvester carries a harvest context
 * (mappings/inspire-atom/namespaces.ts): the service entry that led to a dataset feed, and the describedby ISO
 * record, which is merged in (merge.ts). Pure; throws MappingError only when the document is not an Atom feed.
 */
import { readIso19139Element } from './iso19139/read.ts';
import { datasetFeedRecord, serviceFeedRecord, type FeedInput } from './inspire-atom/feed-record.ts';
import { mergeWithIso } from './inspire-atom/merge.ts';
import { ATOM_FEED_ROOT, NS_HARVEST } from './inspire-atom/namespaces.ts';
import { atom, isServiceFeed } from './inspire-atom/read-feed.ts';
import { MappingError, type MappingIssue, type MappingResult, type RawDocument } from './types.ts';
import { attribute, first, firstElement, parseXml, qualifiedName, XmlError, type XmlElement } from './xml/index.ts';

export { ATOM_FEED_ROOT, NS_HARVEST } from './inspire-atom/namespaces.ts';

/** Maps an INSPIRE Atom feed, with its harvest context when the harvester attached one. */
export function mapInspireAtom(raw: RawDocument): MappingResult {
  const root = parseFeed(raw.bytes, raw.url);
  const issues: MappingIssue[] = root.issues;
  const context = first(root.el, [NS_HARVEST, 'harvestContext']);
  const serviceEntry = first(context, [NS_HARVEST, 'serviceEntry'], atom('entry'));
  const input: FeedInput = { st: { root: root.el, issues }, feed: root.el, url: raw.url, ...(serviceEntry ? { serviceEntry } : {}) };
  const feedRecord = !serviceEntry && isServiceFeed(root.el) ? serviceFeedRecord(input) : datasetFeedRecord(input);
  const linked = first(context, [NS_HARVEST, 'linkedMetadata']);
  const isoRoot = firstElement(linked);
  if (!linked || !isoRoot) return { record: feedRecord, issues };
  const href = attribute(linked, '', 'href') ?? '';
  try {
    const iso = readIso19139Element(isoRoot);
    issues.push(...iso.issues.map((i) => ({ ...i, message: `linked metadata ${href}: ${i.message}` })));
    return { record: mergeWithIso(iso.record, feedRecord, issues), issues };
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    issues.push({ severity: 'warning', path: '/feed', message: `linked metadata ${href} not used: ${e.message}` });
    return { record: feedRecord, issues };
  }
}

function parseFeed(bytes: Buffer, url: string): { el: XmlElement; issues: MappingIssue[] } {
  let doc;
  try {
    doc = parseXml(bytes);
  } catch (e) {
    if (e instanceof XmlError) throw new MappingError(`cannot read Atom feed ${url}: ${e.message}`);
    throw e;
  }
  const key = `{${doc.root.uri}}${doc.root.local}`;
  if (key !== ATOM_FEED_ROOT) throw new MappingError(`not an Atom feed: root element ${qualifiedName(doc.root)} ${key}`, `/${qualifiedName(doc.root)}`);
  return { el: doc.root, issues: doc.warnings.map((message) => ({ severity: 'warning' as const, path: '/', message })) };
}
