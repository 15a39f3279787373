/**
 * A published resource (src/store/catalogue.ts) as an OGC API - Records record: a GeoJSON Feature
 * (recordGeoJSON.yaml of OGC 20-004r1) with `id`, `conformsTo`, `time`, `geometry`, the record properties and
 * its links: the record in HTML, its collection, the hub's ISO 19139 rendering and the harvested original,
 * the resource's downloads, services and licence. `moisson:sources` lists every harvested record of the
 * resource (DESIGN §6: a resource known from several sources is published once, with every provenance).
 * Pure; the HTML pages are rendered from this same object.
 */
import type { MdRecord, OnlineResource } from '../../../mappings/types.ts';
import type { CatalogueHit } from '../../store/catalogue.ts';
import {
  contacts, dateTime, externalIds, keywords, language, languageTag, license, recordGeometry, recordTime, rights, themes,
  type Geometry,
} from './properties.ts';
import { collectionUrl, itemUrl, MEDIA, nativeRecordUrl, selfLinks, type Format, type Lang, type Link } from './urls.ts';

export const RECORD_CORE = 'http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core';

/** One harvested record behind a published resource. */
export interface Provenance {
  recordId: string;
  source: string;
  /** The record the resource is published from (its group's preferred record). */
  preferred: boolean;
  href: string;
  original: string;
}

export interface RecordFeature {
  id: string;
  type: 'Feature';
  conformsTo: string[];
  time: { interval: [string, string] } | null;
  geometry: Geometry | null;
  properties: Record<string, unknown> & { type: string; title: string; 'moisson:sources': Provenance[] };
  links: Link[];
}

/** The identifier a resource is published under: its fileIdentifier, else the hub's record id (as the catalogue). */
export function publishedId(hit: Pick<CatalogueHit, 'recordId' | 'record'>): string {
  return hit.record.identifier?.trim() || hit.recordId;
}

const SERVICE_PROTOCOL = /\b(OGC|WMS|WFS|WMTS|WCS|CSW|SOS|WPS|ESRI|ArcGIS|OGC API|TMS)\b/i;

/** A link for an online resource: downloads are enclosures, OGC/ESRI services `service`, the rest related. */
function onlineResourceLink(o: OnlineResource): Link | null {
  if (!/^(https?|ftp):\/\//i.test(o.url.trim())) return null;
  const fn = o.function?.toLowerCase();
  let rel = 'related';
  if (fn === 'download') rel = 'enclosure';
  else if (SERVICE_PROTOCOL.test(o.protocol ?? '')) rel = 'service';
  else if (fn === 'information') rel = 'describedby';
  const title = o.name?.trim() || o.description?.trim();
  return { href: o.url.trim(), rel, ...(title ? { title } : {}) };
}

function resourceLinks(rec: MdRecord): Link[] {
  const links = rec.onlineResources.map(onlineResourceLink).filter((l): l is Link => l !== null);
  for (const g of rec.graphicOverviews) {
    if (/^https?:\/\//i.test(g.url.trim())) links.push({ href: g.url.trim(), rel: 'preview', ...(g.description ? { title: g.description } : {}) });
  }
  if (rec.licence) links.push({ href: rec.licence.url, rel: 'license', title: rec.licence.label });
  return links;
}

function provenance(hit: CatalogueHit, base: string): Provenance[] {
  return hit.members.map((recordId, i) => ({
    recordId,
    source: hit.memberSources[i],
    preferred: i === 0,
    href: nativeRecordUrl(base, recordId, ''),
    original: nativeRecordUrl(base, recordId, '/original'),
  }));
}

function latestDate(rec: MdRecord, type: string): string | undefined {
  const dates = rec.dates.filter((d) => d.type === type).map((d) => dateTime(d.date)).filter((d): d is string => !!d);
  return dates.sort().at(-1);
}

/** Drops undefined members and empty arrays, so that absent values are absent rather than empty. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;
}

function properties(hit: CatalogueHit, id: string, base: string): RecordFeature['properties'] {
  const rec = hit.record;
  const recordLanguages = [rec.metadataLanguage, ...rec.locales].filter((l): l is string => !!l);
  return compact({
    type: rec.hierarchyLevel || 'dataset',
    title: rec.title?.trim() || id,
    description: rec.abstract,
    keywords: keywords(rec),
    themes: themes(rec),
    language: rec.metadataLanguage ? language(rec.metadataLanguage) : undefined,
    languages: recordLanguages.length > 1 ? [...new Set(recordLanguages.map(languageTag))].map(language) : undefined,
    resourceLanguages: [...new Set(rec.resourceLanguages.map(languageTag))].map(language),
    externalIds: externalIds(rec),
    created: latestDate(rec, 'creation'),
    updated: dateTime(rec.metadataDate) ?? new Date(hit.changed).toISOString(),
    contacts: contacts(rec),
    formats: rec.distributionFormats.filter((f) => f.name.trim() !== '').map((f) => ({ name: f.name.trim() })),
    license: license(rec),
    rights: rights(rec),
    'moisson:sources': provenance(hit, base),
  });
}

export interface FeatureOptions {
  base: string;
  collectionId: string;
  /** The format of the response the record is in (its self link). */
  format: Format;
  lang?: Lang;
}

/** The record of a published resource, as served in `collectionId`. */
export function recordFeature(hit: CatalogueHit, opts: FeatureOptions): RecordFeature {
  const id = publishedId(hit);
  const self = itemUrl(opts.base, opts.collectionId, id);
  const links: Link[] = [
    ...selfLinks(self, opts.format, MEDIA.geojson, {}, opts.lang),
    // Records /req/record-core/links: exactly one `collection` link, to the collection it is served in.
    { href: collectionUrl(opts.base, opts.collectionId), rel: 'collection', type: MEDIA.json },
    { href: nativeRecordUrl(opts.base, hit.recordId, '.xml'), rel: 'alternate', type: MEDIA.xml, title: 'ISO 19139' },
    { href: nativeRecordUrl(opts.base, hit.recordId, '/original'), rel: 'via', title: 'Original harvested document' },
    ...resourceLinks(hit.record),
  ];
  return {
    id,
    type: 'Feature',
    conformsTo: [RECORD_CORE],
    time: recordTime(hit.record),
    geometry: recordGeometry(hit.record),
    properties: properties(hit, id, opts.base),
    links,
  };
}
