/**
 * The `inspire-atom` harvester (TG Download Services 3.1, pre-defined datasets): `source.url` is a download
 * service feed. It yields the service feed (-> the service record), then each dataset feed its entries link
 * (-> one dataset record each). Each yielded feed carries its harvest context (harvesters/inspire-atom/
 * composite.ts): the service entry that led to it and the describedby ISO record, fetched here so that the
 * mapping stays pure. Paged service feeds (rel="next") are followed.
 *
 * Failures: an unreachable or unreadable service feed fails the harvest (nothing can be listed); a dataset feed
 * that cannot be fetched is reported as skipped and makes the listing incomplete (so no record is withdrawn for
 * it); a describedby record that cannot be fetched or is not ISO 19139 is a warning, the feed is mapped alone.
 */
import { xmlRoot } from '../mappings/index.ts';
import { textAt, atom } from '../mappings/inspire-atom/read-feed.ts';
import { ATOM_FEED_ROOT } from '../mappings/inspire-atom/namespaces.ts';
import { NS_CSW202, NS_GMD, NS_GMI } from '../mappings/iso19139/namespaces.ts';
import { firstElement, parseXml, type XmlElement } from '../mappings/xml/index.ts';
import type { FetchResponse } from './http.ts';
import { feedWithContext, type HarvestContextParts } from './inspire-atom/composite.ts';
import { entriesOf, feedMetadataUrl, nextPageUrl, planDatasetFeeds, type DatasetFeedTarget } from './inspire-atom/plan.ts';
import { HarvestError, throwIfAborted, type HarvestContext, type Harvester, type RawDocument, type SourceDef } from './types.ts';

/** Media type of the yielded documents. */
export const ATOM_MEDIA_TYPE = 'application/atom+xml';
/** A service feed paged further than this is cut (and the listing marked incomplete). */
export const MAX_FEED_PAGES = 500;
/** Largest describedby record fetched: ISO records are tens of KB; anything this big is not one. */
const MAX_METADATA_BYTES = 10 * 1024 * 1024;

const ISO_ROOTS = new Set([`{${NS_GMD}}MD_Metadata`, `{${NS_GMI}}MI_Metadata`]);

/** JSON Schema of `source.options` for an inspire-atom source. */
export const INSPIRE_ATOM_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    linkedMetadata: { type: 'boolean', default: true, description: 'fetch and merge the describedby ISO 19139 records' },
  },
} as const;

export function createInspireAtomHarvester(): Harvester {
  return { type: 'inspire-atom', optionsSchema: INSPIRE_ATOM_OPTIONS_SCHEMA, harvest: harvestInspireAtom };
}

interface Feed {
  root: XmlElement;
  res: FetchResponse;
}

async function* harvestInspireAtom(source: SourceDef, ctx: HarvestContext): AsyncGenerator<RawDocument> {
  const withMetadata = source.options?.linkedMetadata !== false;
  const service = await fetchServiceFeed(ctx, source.url);
  const entries = await allEntries(ctx, service);
  const plan = planDatasetFeeds(entries, service.res.url);
  for (const title of plan.withoutFeed) ctx.warn({ url: service.res.url, message: `service feed entry "${title}" links no dataset feed` });
  ctx.total = 1 + plan.targets.length;
  const serviceMd = withMetadata ? await fetchMetadata(ctx, feedMetadataUrl(service.root, service.res.url)) : undefined;
  yield document(service, { ...(serviceMd ? { metadata: serviceMd } : {}) });
  for (const target of plan.targets) {
    throwIfAborted(ctx.signal);
    const doc = await datasetDocument(ctx, target, withMetadata);
    if (doc) yield doc;
  }
}

/** The feed as a document: verbatim when there is no context to attach, else with its harvest context. */
function document(feed: Feed, parts: HarvestContextParts): RawDocument {
  const hasContext = parts.serviceEntry !== undefined || parts.metadata !== undefined;
  return {
    nativeId: textAt(feed.root, atom('id')) ?? feed.res.url,
    bytes: hasContext ? feedWithContext(feed.root, parts) : feed.res.body,
    mediaType: ATOM_MEDIA_TYPE,
    url: feed.res.url,
    fetchedAt: feed.res.fetchedAt,
  };
}

/** The service feed, or a HarvestError naming the URL when it cannot be fetched or is not an Atom feed. */
async function fetchServiceFeed(ctx: HarvestContext, url: string): Promise<Feed> {
  let res: FetchResponse;
  try {
    res = await ctx.http.fetch({ url, signal: ctx.signal, headers: { accept: 'application/atom+xml, application/xml;q=0.9' } });
  } catch (err) {
    throwIfAborted(ctx.signal);
    throw new HarvestError('source_unreadable', (err as Error).message, { cause: err });
  }
  const root = parseAtom(res);
  if (typeof root === 'string') throw new HarvestError('source_unreadable', `${res.url}: ${root}`);
  return { root, res };
}

/** The parsed feed, or why it is not one (HTML error page served with 200, truncated XML, XXE…). */
function parseAtom(res: FetchResponse): XmlElement | string {
  const root = xmlRoot(res.body);
  const key = root ? `{${root.ns}}${root.local}` : undefined;
  if (key !== ATOM_FEED_ROOT) {
    return `not an Atom feed (content type ${res.mediaType || 'none'}, root ${root ? root.name : 'none: not XML'})`;
  }
  try {
    return parseXml(res.body).root;
  } catch (err) {
    return `unreadable Atom feed: ${(err as Error).message}`;
  }
}

/** Entries of the service feed and of its next pages (a page seen twice ends the walk). */
async function allEntries(ctx: HarvestContext, first: Feed): Promise<XmlElement[]> {
  const entries = entriesOf(first.root);
  const seen = new Set([first.res.url]);
  let next = nextPageUrl(first.root, first.res.url);
  while (next && !seen.has(next)) {
    if (seen.size >= MAX_FEED_PAGES) {
      ctx.incomplete(`service feed has more than ${MAX_FEED_PAGES} pages; the rest was not read`);
      break;
    }
    seen.add(next);
    throwIfAborted(ctx.signal);
    const page = await fetchServiceFeed(ctx, next);
    entries.push(...entriesOf(page.root));
    next = nextPageUrl(page.root, page.res.url);
  }
  return entries;
}

/** One dataset feed with its context, or null when it could not be fetched (reported, listing incomplete). */
async function datasetDocument(ctx: HarvestContext, target: DatasetFeedTarget, withMetadata: boolean): Promise<RawDocument | null> {
  let res: FetchResponse;
  try {
    res = await ctx.http.fetch({ url: target.feedUrl, signal: ctx.signal });
  } catch (err) {
    throwIfAborted(ctx.signal);
    ctx.warn({ url: target.feedUrl, skipped: true, message: `dataset feed not fetched: ${(err as Error).message}` });
    ctx.incomplete(`dataset feed ${target.feedUrl} could not be fetched`);
    return null;
  }
  const root = parseAtom(res);
  if (typeof root === 'string') {
    // Yielded as served: the mapping rejects it with its reason, and the report keeps the document.
    ctx.incomplete(`dataset feed ${res.url} is ${root}`);
    return { nativeId: target.feedUrl, bytes: res.body, mediaType: res.mediaType, url: res.url, fetchedAt: res.fetchedAt };
  }
  const mdUrl = target.metadataUrl ?? feedMetadataUrl(root, res.url);
  const metadata = withMetadata ? await fetchMetadata(ctx, mdUrl) : undefined;
  return document({ root, res }, { serviceEntry: target.entry, ...(metadata ? { metadata } : {}) });
}

/**
 * The ISO 19139 record behind a describedby link: an MD_Metadata / MI_Metadata document or a CSW
 * GetRecordById answer holding one. Anything else is a warning and no record.
 */
async function fetchMetadata(ctx: HarvestContext, url: string | undefined): Promise<{ href: string; record: XmlElement } | undefined> {
  if (!url) return undefined;
  try {
    const res = await ctx.http.fetch({ url, signal: ctx.signal, maxBytes: MAX_METADATA_BYTES });
    const root = parseXml(res.body).root;
    const record = `{${root.uri}}${root.local}` === `{${NS_CSW202}}GetRecordByIdResponse` ? firstElement(root) : root;
    if (record && ISO_ROOTS.has(`{${record.uri}}${record.local}`)) return { href: url, record };
    ctx.warn({ url, message: `describedby metadata is not an ISO 19139 record (root ${record ? record.local : 'none'}); feed mapped without it` });
  } catch (err) {
    throwIfAborted(ctx.signal);
    ctx.warn({ url, message: `describedby metadata not fetched: ${(err as Error).message}` });
  }
  return undefined;
}
