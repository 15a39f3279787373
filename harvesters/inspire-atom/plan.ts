/**
 * What the inspire-atom harvester fetches after the service feed, decided from the parsed feed alone (pure,
 * tested alone, STYLE §5): the dataset feeds of its entries, the describedby ISO records, the next page.
 */
import { datasetFeedLink, isoMetadataLink, linksOf, textAt, atom } from '../../mappings/inspire-atom/read-feed.ts';
import { select, type XmlElement } from '../../mappings/xml/index.ts';

export interface DatasetFeedTarget {
  /** The service feed entry (kept in the dataset document's harvest context). */
  entry: XmlElement;
  feedUrl: string;
  /** The entry's describedby ISO record, if it links one. */
  metadataUrl?: string;
}

export interface ServiceFeedPlan {
  targets: DatasetFeedTarget[];
  /** Entries that link no dataset feed, by title or id (reported, not fetched). */
  withoutFeed: string[];
}

/** The dataset feeds to fetch, one per distinct URL, in entry order; relative links resolved against `url`. */
export function planDatasetFeeds(entries: XmlElement[], url: string): ServiceFeedPlan {
  const plan: ServiceFeedPlan = { targets: [], withoutFeed: [] };
  const seen = new Set<string>();
  for (const entry of entries) {
    const link = datasetFeedLink(entry, url);
    if (!link) {
      plan.withoutFeed.push(textAt(entry, atom('title')) ?? textAt(entry, atom('id')) ?? '(untitled entry)');
      continue;
    }
    if (seen.has(link.href)) continue;
    seen.add(link.href);
    const md = isoMetadataLink(entry, url);
    plan.targets.push({ entry, feedUrl: link.href, ...(md ? { metadataUrl: md.href } : {}) });
  }
  return plan;
}

/** The entries of a feed page. */
export function entriesOf(feed: XmlElement): XmlElement[] {
  return select(feed, atom('entry'));
}

/** The next page of a paged feed (RFC 5005 §3, rel="next"), resolved against the page URL. */
export function nextPageUrl(feed: XmlElement, url: string): string | undefined {
  return linksOf(feed, url).find((l) => l.rel === 'next')?.href;
}

/** The feed's own describedby ISO record link. */
export function feedMetadataUrl(feed: XmlElement, url: string): string | undefined {
  return isoMetadataLink(feed, url)?.href;
}
