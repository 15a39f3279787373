/**
 * Readers of the INSPIRE parts of Atom feeds and entries (TG Download Services 3.1): links, georss extents
 * (always lat lon, GeoRSS Simple), CRS categories, spatial dataset identifiers, authors and rights. Pure; a
 * value that cannot be read is dropped with an issue naming its place in the feed.
 */
import { normaliseDate } from '../iso19139/read-values.ts';
import { wgs84Box } from '../ogc-capabilities/summary.ts';
import type { BoundingBox, MappingIssue, ResourceIdentifier, ResponsibleParty } from '../types.ts';
import { attribute, first, locate, select, textOf, type Step, type XmlElement } from '../xml/index.ts';
import { NS_ATOM, NS_GEORSS, NS_GML, NS_INSPIRE_DLS, NS_XML } from './namespaces.ts';

export const atom = (local: string): Step => [NS_ATOM, local];
const georss = (local: string): Step => [NS_GEORSS, local];
const dls = (local: string): Step => [NS_INSPIRE_DLS, local];

/** Reading state: the feed root (issue paths start there) and the issues found. */
export interface FeedState {
  root: XmlElement;
  issues: MappingIssue[];
}

export interface AtomLink {
  href: string;
  /** 'alternate' when absent (RFC 4287 §4.2.7.2). */
  rel: string;
  type?: string;
  hreflang?: string;
  title?: string;
  length?: number;
}

/** Collapsed text of the first matching child; undefined when empty. */
export function textAt(el: XmlElement | undefined, ...steps: Step[]): string | undefined {
  const t = textOf(first(el, ...steps)).replace(/\s+/g, ' ').trim();
  return t || undefined;
}

/** The atom:link children of a feed or entry, hrefs resolved against `base` (the document URL). */
export function linksOf(el: XmlElement | undefined, base?: string): AtomLink[] {
  const out: AtomLink[] = [];
  for (const l of select(el, atom('link'))) {
    const href = resolve(attribute(l, '', 'href')?.trim(), base);
    if (!href) continue;
    const link: AtomLink = { href, rel: attribute(l, '', 'rel')?.trim() || 'alternate' };
    const put = (key: 'type' | 'hreflang' | 'title', v: string | undefined): void => {
      if (v?.trim()) link[key] = v.trim();
    };
    put('type', attribute(l, '', 'type'));
    put('hreflang', attribute(l, '', 'hreflang'));
    put('title', attribute(l, '', 'title'));
    const length = Number(attribute(l, '', 'length'));
    if (attribute(l, '', 'length') && Number.isFinite(length) && length >= 0) link.length = length;
    out.push(link);
  }
  return out;
}

function resolve(href: string | undefined, base: string | undefined): string | undefined {
  if (!href) return undefined;
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}

/** Media type without parameters, lower case. */
export function baseType(type: string | undefined): string {
  return (type ?? '').split(';')[0].trim().toLowerCase();
}

/** inspire_dls:spatial_dataset_identifier_code / _namespace pairs of a feed or entry. */
export function datasetIdentifiers(el: XmlElement | undefined): ResourceIdentifier[] {
  const code = textAt(el, dls('spatial_dataset_identifier_code'));
  if (!code) return [];
  const codeSpace = textAt(el, dls('spatial_dataset_identifier_namespace'));
  return [codeSpace ? { code, codeSpace } : { code }];
}

/** GeoRSS Simple shapes: "lat lon" pairs (box: south west north east). */
const SIMPLE = new Set(['box', 'polygon', 'point', 'line']);

/** Every georss:box / polygon / point / line / where-Envelope of a feed or entry, as WGS 84 boxes. */
export function georssBoxes(st: FeedState, el: XmlElement | undefined): BoundingBox[] {
  const out: BoundingBox[] = [];
  for (const g of select(el, [NS_GEORSS, '*'])) {
    const box = g.local === 'where' ? envelope(st, g) : SIMPLE.has(g.local) ? latLonBox(st, g, textOf(g)) : undefined;
    if (box) out.push(box);
  }
  return out;
}

/** The bbox of "lat lon" pairs: GeoRSS is lat lon whatever the CRS axis habits of the producer. */
function latLonBox(st: FeedState, g: XmlElement, text: string): BoundingBox | undefined {
  const n = text.trim().split(/[\s,]+/).map(Number);
  if (n.length < 2 || n.length % 2 !== 0 || n.some((v) => !Number.isFinite(v))) {
    st.issues.push({ severity: 'warning', path: locate(g, st.root), message: `unreadable georss:${g.local} "${text.trim()}" dropped` });
    return undefined;
  }
  const lats = n.filter((_, i) => i % 2 === 0);
  const lons = n.filter((_, i) => i % 2 === 1);
  return wgs84Box(st, g, [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)]);
}

/** georss:where/gml:Envelope, corners in lat lon order (GeoRSS GML, WGS 84 by default). */
function envelope(st: FeedState, where: XmlElement): BoundingBox | undefined {
  const env = first(where, [NS_GML, 'Envelope']);
  if (!env) return undefined;
  return latLonBox(st, env, `${textAt(env, [NS_GML, 'lowerCorner']) ?? ''} ${textAt(env, [NS_GML, 'upperCorner']) ?? ''}`);
}

export interface CrsCategory {
  /** "EPSG:25832" for an EPSG URI, else the term as found. */
  code: string;
  href: string;
  label?: string;
}

/** category elements whose term is a CRS URI (http://www.opengis.net/def/crs/EPSG/0/25832). */
export function crsCategories(el: XmlElement | undefined): CrsCategory[] {
  const out: CrsCategory[] = [];
  for (const c of select(el, atom('category'))) {
    const term = attribute(c, '', 'term')?.trim();
    if (!term) continue;
    const m = /\/def\/crs\/([^/]+)\/[^/]*\/([^/]+)$/.exec(term);
    if (!m && !/crs/i.test(term)) continue;
    const label = attribute(c, '', 'label')?.trim();
    out.push({ code: m ? `${m[1]}:${m[2]}` : term, href: term, ...(label ? { label } : {}) });
  }
  return out;
}

/** atom:author elements -> parties (name as organisation when no individual is named: TG examples differ). */
export function authors(el: XmlElement | undefined, role: string): ResponsibleParty[] {
  return select(el, atom('author')).map((a) => {
    const party: ResponsibleParty = { role };
    const name = textAt(a, atom('name'));
    const email = textAt(a, atom('email'));
    const uri = textAt(a, atom('uri'));
    if (name) party.individualName = name;
    if (email) party.emails = [email];
    if (uri) party.url = uri;
    return party;
  }).filter((p) => Object.keys(p).length > 1);
}

/** atom:updated as a record date, or undefined with an issue when it is not ISO 8601. */
export function updatedOf(st: FeedState, el: XmlElement | undefined): string | undefined {
  const u = first(el, atom('updated'));
  const raw = textAt(u);
  if (!u || !raw) return undefined;
  const date = normaliseDate(raw);
  if (!date) st.issues.push({ severity: 'warning', path: locate(u, st.root), message: `unparseable atom:updated "${raw}" dropped` });
  return date;
}

/** xml:lang of the element or its nearest ancestor. */
export function languageOf(el: XmlElement): string | undefined {
  for (let e: XmlElement | null = el; e; e = e.parent) {
    const lang = attribute(e, NS_XML, 'lang')?.trim();
    if (lang) return lang;
  }
  return undefined;
}

/** Link types of ISO 19139 metadata met in describedby links (TG DS 3.1 §5.1.1; CSW GetRecordById answers). */
const ISO_METADATA_TYPES = /^(application|text)\/(xml|vnd\.iso\.19139(-2)?\+xml|vnd\.ogc\.csw\.getrecordbyidresponse_xml)$/;

/** The describedby link to ISO 19139 metadata of a feed or entry (not the HTML / feature-concept ones). */
export function isoMetadataLink(el: XmlElement | undefined, base?: string): AtomLink | undefined {
  return linksOf(el, base).find((l) => l.rel === 'describedby' && ISO_METADATA_TYPES.test(baseType(l.type)));
}

/**
 * The dataset feed a service feed entry points to: its alternate Atom link (in the feed's language when there
 * are several, TG DS 3.1 Req 16), else a `section` link (some servers use it for the per-dataset feed).
 */
export function datasetFeedLink(entry: XmlElement, base?: string): AtomLink | undefined {
  const links = linksOf(entry, base);
  const feeds = links.filter((l) => l.rel === 'alternate' && baseType(l.type) === 'application/atom+xml');
  const lang = languageOf(entry)?.toLowerCase();
  return feeds.find((l) => lang && l.hreflang?.toLowerCase() === lang) ?? feeds[0] ?? links.find((l) => l.rel === 'section');
}

/** True for a download service feed: its entries name datasets or link dataset feeds. */
export function isServiceFeed(feed: XmlElement): boolean {
  return select(feed, atom('entry')).some((e) => datasetIdentifiers(e).length > 0 || baseType(datasetFeedLink(e)?.type) === 'application/atom+xml');
}

/** The self link of a feed, else the URL it was fetched from. */
export function selfUrl(feed: XmlElement, url: string): string {
  return linksOf(feed, url).find((l) => l.rel === 'self')?.href ?? url;
}
