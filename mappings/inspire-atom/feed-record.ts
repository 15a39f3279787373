/**
 * An INSPIRE Atom feed -> the record the feed alone describes: a dataset feed gives a dataset record with its
 * files as download links, a service feed a download service record operating on its datasets. Values a
 * linked ISO record gives better are merged in later (merge.ts).
 */
import { recogniseLicence } from '../iso19139/licences.ts';
import { recordIdInUrl } from '../ogc-capabilities/record.ts';
import type {
  BoundingBox, Constraint, DistributionFormat, MdRecord, OnlineResource, OperatesOn, ResourceIdentifier, ServiceInfo,
} from '../types.ts';
import { select, type XmlElement } from '../xml/index.ts';
import {
  atom, authors, baseType, crsCategories, datasetFeedLink, datasetIdentifiers, georssBoxes, isoMetadataLink, languageOf,
  linksOf, selfUrl, textAt, updatedOf, type AtomLink, type FeedState,
} from './read-feed.ts';
import { emptyRecord } from '../record.ts';

/** What a feed mapping reads from: the feed, the service entry that led to it, the URL it came from. */
export interface FeedInput {
  st: FeedState;
  feed: XmlElement;
  serviceEntry?: XmlElement;
  url: string;
}

/** The protocol of links to Atom feeds (GeoNetwork's and the INSPIRE validator's "INSPIRE Atom"). */
export const ATOM_PROTOCOL = 'INSPIRE Atom';

/** Fields every feed gives: id, title, author, updated, rights, language. */
function baseRecord(input: FeedInput, hierarchyLevel: string): MdRecord {
  const { st, feed, serviceEntry } = input;
  const updated = updatedOf(st, feed);
  const rights = textAt(feed, atom('rights')) ?? textAt(serviceEntry, atom('rights'));
  const contacts = authors(feed, 'pointOfContact');
  const record: MdRecord = {
    ...emptyRecord(),
    identifier: textAt(feed, atom('id')) ?? null,
    hierarchyLevel,
    metadataContacts: contacts,
    title: textAt(feed, atom('title')) ?? textAt(serviceEntry, atom('title')) ?? '',
    dates: updated ? [{ date: updated, type: 'revision' }] : [],
    resourceContacts: contacts.map((c) => ({ ...c })),
    constraints: rights ? [rightsConstraint(rights)] : [],
  };
  if (!record.identifier) st.issues.push({ severity: 'warning', path: '/feed', message: 'feed without atom:id: record has no identifier' });
  if (!record.title) st.issues.push({ severity: 'warning', path: '/feed', message: 'feed without atom:title' });
  if (updated) record.metadataDate = updated;
  const lang = languageOf(feed);
  if (lang) record.metadataLanguage = lang;
  const licence = recogniseLicence(rights);
  if (licence) record.licence = licence;
  return record;
}

/** atom:rights holds the conditions of access and use (TG DS 3.1 Req 10). */
function rightsConstraint(text: string): Constraint {
  return { kind: 'legal', useLimitations: [], accessConstraints: [], useConstraints: ['otherRestrictions'], otherConstraints: [{ text }] };
}

/** A dataset feed (with the service entry that pointed to it) -> a dataset record. */
export function datasetFeedRecord(input: FeedInput): MdRecord {
  const { st, feed, serviceEntry } = input;
  const record = baseRecord(input, 'dataset');
  const entries = select(feed, atom('entry'));
  const abstract = textAt(serviceEntry, atom('summary')) ?? textAt(feed, atom('subtitle'));
  if (abstract) record.abstract = abstract;
  const sources = [feed, ...entries, ...(serviceEntry ? [serviceEntry] : [])];
  record.resourceIdentifiers = distinctBy(sources.flatMap(datasetIdentifiers), (i) => `${i.codeSpace ?? ''} ${i.code}`);
  record.bboxes = distinctBoxes(sources.flatMap((el) => georssBoxes(st, el)));
  record.referenceSystems = distinctBy(
    sources.flatMap((el) => crsCategories(el).map((c): ResourceIdentifier => ({ code: c.code, href: c.href }))),
    (r) => r.code,
  );
  const feedLink: OnlineResource = { url: selfUrl(feed, input.url), protocol: ATOM_PROTOCOL, name: 'dataset feed', function: 'download' };
  if (record.title) feedLink.description = record.title;
  const files = entries.flatMap((e) => fileLinks(e, input.url));
  record.onlineResources = distinctBy([feedLink, ...files.map((f) => f.resource)], (r) => r.url);
  record.distributionFormats = distinctBy(files.flatMap((f) => (f.format ? [f.format] : [])), (f) => `${f.name} ${f.version ?? ''}`);
  record.resourceLanguages = distinctBy(files.flatMap((f) => (f.link.hreflang ? [f.link.hreflang] : [])), (l) => l);
  return record;
}

interface FileLink {
  link: AtomLink;
  resource: OnlineResource;
  format?: DistributionFormat;
}

/** Rels of file links in a dataset feed entry: alternate (one file), section (one of several), enclosure. */
const FILE_RELS = new Set(['alternate', 'section', 'enclosure']);

/** The files of one dataset feed entry: one download link each, described by size, CRS and language. */
function fileLinks(entry: XmlElement, base: string): FileLink[] {
  const title = textAt(entry, atom('title'));
  const crs = crsCategories(entry).map((c) => (c.label ? `${c.code} (${c.label})` : c.code));
  return linksOf(entry, base)
    .filter((l) => FILE_RELS.has(l.rel) && baseType(l.type) !== 'application/atom+xml')
    .map((link) => {
      const parts = [link.title, link.length !== undefined ? `${link.length} bytes` : undefined, crs.length ? `CRS ${crs.join(', ')}` : undefined,
        link.hreflang ? `language ${link.hreflang}` : undefined].filter((p): p is string => !!p);
      const resource: OnlineResource = { url: link.href, protocol: link.type ?? ATOM_PROTOCOL, function: 'download' };
      if (title) resource.name = title;
      if (parts.length) resource.description = parts.join('; ');
      const f: FileLink = { link, resource };
      if (link.type) f.format = formatOf(link.type);
      return f;
    });
}

/** "application/gml+xml;version=3.2" -> name application/gml+xml, version 3.2. */
function formatOf(type: string): DistributionFormat {
  const version = /;\s*version\s*=\s*"?([^";]+)"?/i.exec(type)?.[1];
  return version ? { name: baseType(type), version } : { name: baseType(type) };
}

/** A download service feed -> a service record operating on the datasets of its entries. */
export function serviceFeedRecord(input: FeedInput): MdRecord {
  const { st, feed, url } = input;
  const record = baseRecord(input, 'service');
  const entries = select(feed, atom('entry'));
  const abstract = textAt(feed, atom('subtitle'));
  if (abstract) record.abstract = abstract;
  record.bboxes = distinctBoxes(entries.flatMap((e) => georssBoxes(st, e)));
  record.referenceSystems = distinctBy(entries.flatMap((e) => crsCategories(e).map((c) => ({ code: c.code, href: c.href }))), (r) => r.code);
  const self = selfUrl(feed, url);
  const feeds = entries.map((e) => ({ entry: e, link: datasetFeedLink(e, url) }));
  record.onlineResources = distinctBy([
    { url: self, protocol: ATOM_PROTOCOL, name: 'download service feed', function: 'download' },
    ...linksOf(feed, url).filter((l) => l.rel === 'search').map((l): OnlineResource => ({ url: l.href, protocol: 'OpenSearch', name: l.title ?? 'OpenSearch description', function: 'search' })),
    ...feeds.flatMap(({ entry, link }) => (link ? [datasetFeedResource(entry, link)] : [])),
  ], (r) => r.url);
  record.service = serviceInfo(entries, self, feeds.flatMap((f) => (f.link ? [f.link.href] : [])), url);
  return record;
}

function datasetFeedResource(entry: XmlElement, link: AtomLink): OnlineResource {
  const r: OnlineResource = { url: link.href, protocol: ATOM_PROTOCOL, function: 'download' };
  const name = textAt(entry, atom('title')) ?? link.title;
  if (name) r.name = name;
  return r;
}

function serviceInfo(entries: XmlElement[], self: string, datasetFeeds: string[], base: string): ServiceInfo {
  // The TG's operations: the service feed answers Get Download Service Metadata, dataset feeds Get Spatial Dataset.
  const operations = [{ name: 'Get Download Service Metadata', dcp: ['WebServices'], urls: [self] }];
  if (datasetFeeds.length) operations.push({ name: 'Get Spatial Dataset', dcp: ['WebServices'], urls: datasetFeeds });
  return {
    type: 'download',
    typeVersions: [],
    operations,
    operatesOn: distinctBy(entries.map((e) => operatesOn(e, base)).filter((o): o is OperatesOn => !!o), (o) => o.uuidref ?? o.href ?? ''),
    coupledResources: entries.flatMap((e) => datasetIdentifiers(e).map((i) => ({ operationName: 'Get Spatial Dataset', identifier: i.code }))),
  };
}

/** An entry's dataset: uuidref from its describedby link's record id (else the dataset code), href = that link. */
function operatesOn(entry: XmlElement, base: string): OperatesOn | undefined {
  const md = isoMetadataLink(entry, base) ?? linksOf(entry, base).find((l) => l.rel === 'describedby');
  const uuid = (md && recordIdInUrl(md.href)) ?? datasetIdentifiers(entry)[0]?.code;
  const out: OperatesOn = {};
  if (uuid) out.uuidref = uuid;
  if (md) out.href = md.href;
  const title = textAt(entry, atom('title'));
  if (title && (uuid || md)) out.title = title;
  return Object.keys(out).length ? out : undefined;
}

export function distinctBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of items) if (!seen.has(key(t))) seen.set(key(t), t);
  return [...seen.values()];
}

function distinctBoxes(boxes: BoundingBox[]): BoundingBox[] {
  return distinctBy(boxes, (b) => `${b.west} ${b.east} ${b.south} ${b.north}`);
}
