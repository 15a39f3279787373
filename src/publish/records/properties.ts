/**
 * Parts of a record (mappings/types.ts, ISO 19115) as OGC API - Records record properties
 * (recordCommonProperties.yaml of OGC 20-004r1): geometry, time, languages, contacts, themes, external
 * identifiers, licence. Pure; absent values are left out rather than written empty.
 */
import type { BoundingBox, KeywordGroup, MdRecord, ResponsibleParty } from '../../../mappings/types.ts';
import { catalogueBoxes, isoInstant } from '../../../mappings/queryables.ts';

export type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

function ring(b: BoundingBox): number[][] {
  // GeoJSON (RFC 7946 §3.1.6): exterior rings counterclockwise, first position repeated last.
  return [[b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north], [b.west, b.south]];
}

/**
 * The record's bounding boxes as one geometry: a Polygon, a MultiPolygon for several boxes (and for a box
 * crossing the antimeridian, split in two as RFC 7946 §3.1.9 asks), a Point for a single degenerate box; null
 * when the record has no usable box.
 */
export function recordGeometry(rec: MdRecord): Geometry | null {
  const boxes = catalogueBoxes(rec);
  if (boxes.length === 0) return null;
  if (boxes.length === 1) {
    const b = boxes[0];
    if (b.west === b.east && b.south === b.north) return { type: 'Point', coordinates: [b.west, b.south] };
    return { type: 'Polygon', coordinates: [ring(b)] };
  }
  return { type: 'MultiPolygon', coordinates: boxes.map((b) => [ring(b)]) };
}

/** An ISO 8601 value as RFC 3339: a date stays a date (a year or month becomes its first day), else UTC. */
function rfc3339(value: string, asDate: boolean): string | null {
  const instant = isoInstant(value);
  if (!instant) return null;
  return asDate ? instant.slice(0, 10) : new Date(instant).toISOString();
}

/**
 * `time` (Records /req/record-core/time-interval): the overall temporal extent as `{interval: [start, end]}`,
 * `..` for an open or unknown end; both ends dates when both are written as dates, else both timestamps.
 * Null when the record has no temporal extent.
 */
export function recordTime(rec: MdRecord): { interval: [string, string] } | null {
  const starts = rec.temporalExtents.map((t) => t.start).filter((s): s is string => !!s && isoInstant(s) !== null);
  const ends = rec.temporalExtents.map((t) => t.end).filter((s): s is string => !!s && isoInstant(s) !== null);
  if (starts.length === 0 && ends.length === 0) return null;
  const byInstant = (a: string, b: string) => Date.parse(isoInstant(a)!) - Date.parse(isoInstant(b)!);
  const start = starts.sort(byInstant)[0];
  const end = ends.sort(byInstant).at(-1);
  const asDate = [start, end].every((v) => v === undefined || /^\d{4}(-\d{2}){0,2}$/.test(v.trim()));
  return { interval: [start ? rfc3339(start, asDate)! : '..', end ? rfc3339(end, asDate)! : '..'] };
}

/** An RFC 3339 date-time for a record date (created, updated), or undefined. */
export function dateTime(value: string | null | undefined): string | undefined {
  const instant = value ? isoInstant(value) : null;
  return instant ? new Date(instant).toISOString() : undefined;
}

/** ISO 639-2 (the record's codes) -> RFC 5646 through the platform's CLDR aliases (`fre` -> `fr`). */
export function languageTag(code: string): string {
  try {
    return Intl.getCanonicalLocales(code.trim())[0] ?? code;
  } catch {
    return code;
  }
}

/** Records `language` object: the RFC 5646 code and the language's own name when the platform knows it. */
export function language(code: string): { code: string; name?: string } {
  const tag = languageTag(code);
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames([tag], { type: 'language', fallback: 'none' }).of(tag);
  } catch {
    name = undefined;
  }
  return name ? { code: tag, name } : { code: tag };
}

/** Records phone values must be E.164 (`+33299…`): other forms are left out rather than guessed at. */
function phone(value: string): string | undefined {
  const compact = value.replace(/[\s.()-]/g, '');
  return /^\+[1-9]\d{3,14}$/.test(compact) ? compact : undefined;
}

function safeUrl(url: string | undefined): string | undefined {
  return url && /^(https?|ftp):\/\//i.test(url.trim()) ? url.trim() : undefined;
}

/** A CI_ResponsibleParty as a Records contact (it needs a name or an organization). */
export function contact(p: ResponsibleParty): Record<string, unknown> | null {
  if (!p.individualName && !p.organisationName) return null;
  const phones = (p.phones ?? []).map(phone).filter((v): v is string => v !== undefined);
  const a = p.address;
  const address = a && (a.deliveryPoint?.length || a.city || a.postalCode || a.administrativeArea || a.country)
    ? [{ deliveryPoint: a.deliveryPoint, city: a.city, administrativeArea: a.administrativeArea, postalCode: a.postalCode,
      country: a.country }] : undefined;
  const url = safeUrl(p.url);
  return {
    name: p.individualName,
    organization: p.organisationName,
    position: p.positionName,
    emails: p.emails?.length ? p.emails.map((value) => ({ value })) : undefined,
    phones: phones.length ? phones.map((value) => ({ value })) : undefined,
    addresses: address,
    links: url ? [{ href: url, rel: 'about', type: 'text/html' }] : undefined,
    roles: [p.role],
  };
}

/** Resource contacts, then metadata contacts, each person/organisation/role once. */
export function contacts(rec: MdRecord): Record<string, unknown>[] {
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const p of [...rec.resourceContacts, ...rec.metadataContacts]) {
    const key = [p.individualName, p.organisationName, p.role].join('\u0000');
    const c = contact(p);
    if (c && !seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

/** Scheme of ISO topic categories in `themes`. */
export const TOPIC_CATEGORY_SCHEME = 'https://standards.iso.org/iso/19139/resources/gmxCodelists.xml#MD_TopicCategoryCode';

function theme(g: KeywordGroup): Record<string, unknown> | null {
  const scheme = g.thesaurus?.href || g.thesaurus?.title;
  if (!scheme || g.keywords.length === 0) return null;
  return {
    scheme,
    concepts: g.keywords.map((k) => ({ id: k.href || k.text, title: k.text, ...(safeUrl(k.href) ? { url: k.href } : {}) })),
  };
}

/** Keywords from a thesaurus (and the topic categories) as `themes`, each with its scheme. */
export function themes(rec: MdRecord): Record<string, unknown>[] {
  const out = rec.keywords.map(theme).filter((t): t is Record<string, unknown> => t !== null);
  if (rec.topicCategories.length > 0) {
    out.push({ scheme: TOPIC_CATEGORY_SCHEME, concepts: rec.topicCategories.map((id) => ({ id })) });
  }
  return out;
}

/** Every keyword text, once (free keywords and thesaurus ones alike, as clients filter on them). */
export function keywords(rec: MdRecord): string[] {
  return [...new Set(rec.keywords.flatMap((g) => g.keywords.map((k) => k.text.trim())).filter((k) => k !== ''))];
}

/** Resource identifiers as `externalIds` (`scheme` is the code space). */
export function externalIds(rec: MdRecord): { scheme?: string; value: string }[] {
  return rec.resourceIdentifiers.filter((i) => i.code.trim() !== '')
    .map((i) => (i.codeSpace ? { scheme: i.codeSpace, value: i.code } : { value: i.code }));
}

/** The hub's licence ids (mappings/iso19139/licences.ts) with an SPDX identifier. */
const SPDX: Readonly<Record<string, string>> = {
  'etalab-2.0': 'etalab-2.0',
  'odbl-1.0': 'ODbL-1.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc0-1.0': 'CC0-1.0',
};

/** `license`: the SPDX id of a recognised licence, `other` for one without (its link says which). */
export function license(rec: MdRecord): string | undefined {
  if (!rec.licence) return undefined;
  return SPDX[rec.licence.id] ?? 'other';
}

/** `rights`: the constraints' free text (other constraints, then use limitations). */
export function rights(rec: MdRecord): string | undefined {
  const texts = rec.constraints.flatMap((c) => [...c.otherConstraints, ...c.useLimitations].map((t) => t.text.trim()));
  const distinct = [...new Set(texts.filter((t) => t !== ''))];
  return distinct.length ? distinct.join('\n') : undefined;
}
