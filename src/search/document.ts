/**
 * Record -> SearchDoc: what the search index holds for one resource (src/search/types.ts). Pure: the indexer
 * (src/search/indexer.ts) reads the preferred record of each resource group and its members from the store
 * and calls `searchDoc`.
 */
import type { BoundingBox, MdRecord } from '../../mappings/types.ts';
import type { Bbox, SearchDoc } from './types.ts';

/** A resource group as the indexer sees it: its preferred record's id first (src/store/identity.ts). */
export interface DocGroup {
  /** Record ids, the preferred one first. */
  members: string[];
  /** Source ids of the members, the preferred record's first (duplicates allowed: made distinct here). */
  sources: string[];
}

/** The search document of a resource, from its preferred record. */
export function searchDoc(id: string, record: MdRecord, group: DocGroup): SearchDoc {
  return {
    id,
    members: distinct(group.members),
    sources: distinct(group.sources),
    organisations: distinct([...record.resourceContacts, ...record.metadataContacts].map((c) => c.organisationName ?? '')),
    identifier: record.identifier ?? null,
    title: record.title ?? '',
    altTitles: distinct([...record.alternateTitles, ...Object.values(record.translations?.title ?? {})].filter((t) => t !== record.title)),
    abstract: record.abstract ?? '',
    keywords: distinct(record.keywords.flatMap((g) => g.keywords.map((k) => k.text))),
    topics: distinct(record.topicCategories),
    type: record.hierarchyLevel || 'dataset',
    formats: distinct(record.distributionFormats.map((f) => f.name)),
    license: record.licence?.id ?? null,
    bboxes: record.bboxes.flatMap(normaliseBbox),
    date: resourceDate(record),
    temporal: temporal(record),
    languages: distinct(record.resourceLanguages),
    thumbnail: record.graphicOverviews[0]?.url ?? null,
  };
}

/** Distinct non-blank strings, trimmed, in first-seen order. */
function distinct(values: string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = v?.trim();
    if (t) out.add(t);
  }
  return [...out];
}

const clampLon = (x: number) => Math.max(-180, Math.min(180, x));
const clampLat = (y: number) => Math.max(-90, Math.min(90, y));

/**
 * A record's box as WGS 84 boxes with west <= east: a box with west > east crosses the antimeridian and becomes
 * two; values out of range are clamped; a box with non-finite values or south > north is dropped.
 */
export function normaliseBbox(b: BoundingBox): Bbox[] {
  const values = [b.west, b.east, b.south, b.north];
  if (!values.every(Number.isFinite)) return [];
  const south = clampLat(Math.min(b.south, b.north));
  const north = clampLat(Math.max(b.south, b.north));
  if (b.south > b.north) return [];
  const west = clampLon(b.west);
  const east = clampLon(b.east);
  if (west <= east) return [{ west, south, east, north }];
  return [{ west, south, east: 180, north }, { west: -180, south, east, north }];
}

/** YYYY-MM-DD of an ISO 8601 date or date-time; null when it does not start with one. */
function day(value: string | undefined): string | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value?.trim() ?? '');
  if (!m) return null;
  return `${m[1]}-${m[2] ?? '01'}-${m[3] ?? '01'}`;
}

/** The latest revision, else publication, else creation date; else the metadata date. */
function resourceDate(record: MdRecord): string | null {
  for (const type of ['revision', 'publication', 'creation']) {
    const dates = record.dates.filter((d) => d.type === type).map((d) => day(d.date)).filter((d): d is string => d !== null);
    if (dates.length > 0) return dates.sort().at(-1)!;
  }
  return day(record.metadataDate);
}

function temporal(record: MdRecord): SearchDoc['temporal'] {
  const extents = record.temporalExtents;
  if (extents.length === 0) return null;
  const starts = extents.map((e) => day(e.start ?? undefined)).filter((d): d is string => d !== null).sort();
  const ends = extents.map((e) => day(e.end ?? undefined)).filter((d): d is string => d !== null).sort();
  if (starts.length === 0 && ends.length === 0) return null;
  return { start: starts[0] ?? null, end: ends.at(-1) ?? null };
}
