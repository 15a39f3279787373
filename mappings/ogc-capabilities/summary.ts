/**
 * What every capabilities flavour (WMS 1.3.0 / 1.1.1, WMTS 1.0.0, WFS 2.0.0) is read into before it becomes a
 * record, and the per-document reading state. Each flavour only knows where its values sit; record.ts turns
 * the summary into the one service record, so the three give records of the same shape.
 */
import type { BoundingBox, KeywordGroup, MappingIssue, ResponsibleParty, ServiceOperation } from '../types.ts';
import { locate, textOf, type XmlElement } from '../xml/index.ts';

/** The Service / ServiceIdentification + ServiceProvider sections. */
export interface ServiceSection {
  title?: string;
  abstract?: string;
  keywords: KeywordGroup[];
  fees?: string;
  accessConstraints?: string;
  contacts: ResponsibleParty[];
  /** The service's own OnlineResource (WMS Service/OnlineResource), when given. */
  onlineResource?: string;
}

/** One layer (WMS, WMTS) or feature type (WFS). */
export interface LayerSummary {
  /** WMS Name, WMTS ows:Identifier, WFS Name: what a client asks for. */
  name: string;
  title?: string;
  bbox?: BoundingBox;
  /** The layer's Identifier code (WMS Identifier, tied to an AuthorityURL). */
  identifier?: string;
  /** MetadataURL targets (ISO 19115 / TC211 types only for WMS). */
  metadataUrls: string[];
}

export interface CapabilitiesSummary {
  /** Online resource protocol of the layers: OGC:WMS, OGC:WMTS, OGC:WFS. */
  protocol: string;
  /** INSPIRE spatial data service type: view or download. */
  serviceType: 'view' | 'download';
  version?: string;
  /** Operation that serves one layer: GetMap, GetTile, GetFeature. */
  layerOperation: string;
  service: ServiceSection;
  operations: ServiceOperation[];
  layers: LayerSummary[];
  /** Languages from the INSPIRE extended capabilities (response language first). */
  languages: string[];
  /** The INSPIRE extended capabilities' link to the service's own ISO metadata. */
  serviceMetadataUrl?: string;
}

/** Reading state of one document: its root (issue paths start there) and the issues found. */
export interface ReadState {
  root: XmlElement;
  issues: MappingIssue[];
}

export function warn(st: ReadState, el: XmlElement, message: string): void {
  st.issues.push({ severity: 'warning', path: locate(el, st.root), message });
}

/** Trimmed text with inner whitespace runs collapsed; undefined when empty. */
export function clean(el: XmlElement | undefined): string | undefined {
  const t = el ? textOf(el).replace(/\s+/g, ' ').trim() : '';
  return t || undefined;
}

/** Trimmed text keeping line breaks (abstracts); undefined when empty. */
export function cleanBlock(el: XmlElement | undefined): string | undefined {
  const t = el ? textOf(el).trim() : '';
  return t || undefined;
}

/** Keeps the defined values, in order, without duplicates. */
export function distinct<T>(values: (T | undefined)[]): T[] {
  return [...new Set(values.filter((v): v is T => v !== undefined))];
}

/**
 * A WGS 84 box from its four sides, or undefined with an issue when a side is missing or out of range. Sides
 * given the wrong way round (south > north) are swapped with a warning; west > east is kept (antimeridian).
 */
export function wgs84Box(st: ReadState, el: XmlElement, sides: (number | undefined)[]): BoundingBox | undefined {
  const [west, east, south, north] = sides;
  if ([west, east, south, north].some((v) => v === undefined || !Number.isFinite(v))) {
    warn(st, el, 'bounding box with a missing or non-numeric side dropped');
    return undefined;
  }
  const box = { west: west!, east: east!, south: Math.min(south!, north!), north: Math.max(south!, north!) };
  if (south! > north!) warn(st, el, 'bounding box with south > north: sides swapped');
  if ([box.west, box.east].some((v) => Math.abs(v) > 180) || [box.south, box.north].some((v) => Math.abs(v) > 90)) {
    warn(st, el, `bounding box out of WGS 84 range dropped (W ${west}, E ${east}, S ${south}, N ${north})`);
    return undefined;
  }
  return box;
}

/** A number from text ('1e+07' and '-5.86764' alike); undefined when it is not one. */
export function num(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : undefined;
}
