/**
 * dct:spatial and dct:temporal -> bounding boxes, geographic descriptions and temporal extents.
 * Geometries arrive as WKT (GeoSPARQL wktLiteral, GeoNetwork's older ogc:WKTLiteral, with or without a leading
 * CRS IRI), GeoJSON, GML literals or DCAT-US "w,s,e,n" strings, through locn:geometry, dcat:bbox or
 * geo:asWKT. GeoSPARQL §8.5.1: a WKT literal without a CRS is in CRS84 (longitude first); with EPSG:4326 it is
 * latitude first. Any other CRS is reported and dropped (no reprojection in a mapping).
 */
import type { BoundingBox, TemporalExtent } from '../types.ts';
import { normaliseDate } from '../iso19139/read-values.ts';
import { DCAT, DCT, GSP, LOCN, OGC_RDF, SCHEMA, SCHEMA_HTTPS, TIME } from './vocab.ts';
import { labelOf, pushUnique, text, warn, type ReadContext } from './read-context.ts';
import type { Term } from './rdf.ts';

/** Not a real term (W3C geo has no asWKT) but udata's test catalogue and some exporters write it. */
const W3C_GEO_AS_WKT = 'http://www.w3.org/2003/01/geo/wgs84_pos#asWKT';
const GEOMETRY_PROPERTIES = [LOCN('geometry'), DCAT('bbox'), GSP('asWKT'), OGC_RDF('asWKT'), GSP('asGML'), GSP('asGeoJSON'), GSP('hasGeometry'), W3C_GEO_AS_WKT];

export interface Spatial {
  bboxes: BoundingBox[];
  geographicDescriptions: string[];
}

/** Every dct:spatial of the record resource. */
export function readSpatial(ctx: ReadContext): Spatial {
  const out: Spatial = { bboxes: [], geographicDescriptions: [] };
  for (const s of ctx.graph.objects(ctx.root, DCT('spatial'))) {
    const geometries = s.termType === 'Literal' ? [s] : geometryLiterals(ctx, s);
    for (const g of geometries) {
      const r = bboxOfLiteral(g.value, (g as { datatype?: { value: string } }).datatype?.value ?? '');
      if ('bbox' in r) pushUnique(out.bboxes, r.bbox);
      else if (s.termType === 'Literal' && r.notGeometry) pushUnique(out.geographicDescriptions, s.value.trim());
      else warn(ctx, s.termType === 'Literal' ? ctx.root : s, `geometry dropped: ${r.error}`, s.termType === 'Literal' ? DCT('spatial') : undefined);
    }
    if (s.termType !== 'Literal' && geometries.length === 0) {
      const name = s.termType === 'NamedNode' ? s.value : (labelOf(ctx, s) ?? text(ctx, s, [LOCN('geographicName')]));
      if (name) pushUnique(out.geographicDescriptions, name);
    }
  }
  return out;
}

/** Geometry literals of a location node, one level of geometry node included (locn:geometry [ geo:asWKT … ]). */
function geometryLiterals(ctx: ReadContext, location: Term): Term[] {
  const found: Term[] = [];
  for (const p of GEOMETRY_PROPERTIES) {
    for (const o of ctx.graph.objects(location, p)) {
      if (o.termType === 'Literal') found.push(o);
      else for (const q of GEOMETRY_PROPERTIES) found.push(...ctx.graph.objects(o, q).filter((t) => t.termType === 'Literal'));
    }
  }
  return found;
}

type BboxResult = { bbox: BoundingBox } | { error: string; notGeometry?: boolean };

/** A geometry literal -> its bounding box in WGS 84 longitude/latitude, or why not. */
export function bboxOfLiteral(value: string, datatype: string): BboxResult {
  const v = value.trim();
  if (/geo\+?json/i.test(datatype) || v.startsWith('{')) return fromGeoJson(v);
  if (/gml/i.test(datatype) || v.startsWith('<gml') || /^<\w+:\w+/.test(v)) return fromGml(v);
  const csv = /^(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)$/.exec(v);
  if (csv) return checked(Number(csv[1]), Number(csv[3]), Number(csv[2]), Number(csv[4]));
  return fromWkt(v, /wkt/i.test(datatype));
}

function fromGeoJson(v: string): BboxResult {
  let json: unknown;
  try {
    json = JSON.parse(v);
  } catch (e) {
    return { error: `GeoJSON unreadable (${(e as Error).message})` };
  }
  const coords = (json as { coordinates?: unknown })?.coordinates;
  const numbers: number[] = [];
  flatten(coords, numbers);
  return fromPairs(numbers, false);
}

function flatten(v: unknown, out: number[]): void {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) {
    // A GeoJSON position may carry an altitude: keep only the first two numbers of each position.
    if (v.length >= 2 && v.every((x) => typeof x === 'number')) out.push(v[0] as number, v[1] as number);
    else for (const x of v) flatten(x, out);
  } else out.push(NaN);
}

/** GML is read with patterns, not parsed: the literal's prefixes are usually undeclared (GeoDCAT-AP examples). */
function fromGml(v: string): BboxResult {
  const srs = /srsName\s*=\s*["']([^"']*)["']/.exec(v)?.[1] ?? '';
  const axis = axisOrder(srs);
  if (axis === 'unsupported') return { error: `GML in CRS ${srs} is not WGS 84` };
  const numbers: number[] = [];
  for (const m of v.matchAll(/<(?:[\w.-]+:)?(?:lowerCorner|upperCorner|pos|posList|coordinates)\b[^>]*>([^<]*)</g)) {
    numbers.push(...m[1].trim().split(/[\s,]+/).map(Number));
  }
  return fromPairs(numbers, axis === 'latlon');
}

const WKT_TYPES = /^(POINT|MULTIPOINT|LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON|GEOMETRYCOLLECTION|ENVELOPE|BOX)\s*(Z|M|ZM)?\s*\(/i;

function fromWkt(v: string, declared: boolean): BboxResult {
  const crsMatch = /^<([^>]*)>\s*/.exec(v);
  const body = crsMatch ? v.slice(crsMatch[0].length).trim() : v;
  const type = WKT_TYPES.exec(body);
  if (!type) return declared ? { error: `not a WKT geometry: "${short(v)}"` } : { error: 'not a geometry', notGeometry: true };
  const axis = axisOrder(crsMatch?.[1] ?? '');
  if (axis === 'unsupported') return { error: `WKT in CRS ${crsMatch?.[1]} is not WGS 84` };
  const numbers = (body.slice(type[0].length).match(/[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN/g) ?? []).map(Number);
  // CQL/ECQL ENVELOPE(west, east, north, south).
  if (/^ENVELOPE/i.test(type[1]) && numbers.length === 4) return checked(numbers[0], numbers[1], numbers[3], numbers[2]);
  return fromPairs(numbers, axis === 'latlon');
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function axisOrder(crs: string): 'lonlat' | 'latlon' | 'unsupported' {
  if (!crs || /CRS84$|CRS:84|WGS84$/i.test(crs)) return 'lonlat';
  if (/EPSG(\/0\/|::|:)4326$/i.test(crs) || /EPSG\/0\/4326$/.test(crs)) return 'latlon';
  return 'unsupported';
}

function fromPairs(numbers: number[], latFirst: boolean): BboxResult {
  if (numbers.length < 2 || numbers.length % 2 !== 0) return { error: `odd or missing coordinates (${numbers.length} numbers)` };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < numbers.length; i += 2) {
    xs.push(numbers[latFirst ? i + 1 : i]);
    ys.push(numbers[latFirst ? i : i + 1]);
  }
  if ([...xs, ...ys].some((n) => !Number.isFinite(n))) return { error: 'coordinates that are not numbers' };
  return checked(Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys));
}

function checked(west: number, east: number, south: number, north: number): BboxResult {
  if (![west, east, south, north].every(Number.isFinite)) return { error: 'coordinates that are not numbers' };
  if (west < -180 || east > 180 || south < -90 || north > 90) {
    return { error: `coordinates out of WGS 84 range (${west} ${south}, ${east} ${north}): not longitude/latitude` };
  }
  if (south > north) return { error: `south ${south} above north ${north}` };
  return { bbox: { west, east, south, north } };
}

const STARTS = [DCAT('startDate'), SCHEMA('startDate'), SCHEMA_HTTPS('startDate')];
const ENDS = [DCAT('endDate'), SCHEMA('endDate'), SCHEMA_HTTPS('endDate')];
const INSTANT_VALUES = [TIME('inXSDDate'), TIME('inXSDDateTime'), TIME('inXSDDateTimeStamp'), TIME('inXSDgYear')];

/** Every dct:temporal: a period node (DCAT 2, schema.org, OWL-Time) or a "start / end" literal. */
export function readTemporal(ctx: ReadContext): TemporalExtent[] {
  const out: TemporalExtent[] = [];
  for (const t of ctx.graph.objects(ctx.root, DCT('temporal'))) {
    const [rawStart, rawEnd] = t.termType === 'Literal' ? t.value.split(/\s+\/\s+|\//) : [bound(ctx, t, STARTS, 'hasBeginning'), bound(ctx, t, ENDS, 'hasEnd')];
    if (rawStart === undefined && rawEnd === undefined) {
      warn(ctx, t.termType === 'Literal' ? ctx.root : t, 'temporal extent without start or end (not described in the document)');
      continue;
    }
    const start = dateOrWarn(ctx, t, rawStart);
    const end = dateOrWarn(ctx, t, rawEnd);
    if (start || end) pushUnique(out, { start: start ?? null, end: end ?? null });
  }
  return out;
}

function bound(ctx: ReadContext, period: Term, direct: string[], owlTime: 'hasBeginning' | 'hasEnd'): string | undefined {
  const d = direct.flatMap((p) => ctx.graph.objects(period, p)).find((x) => x.termType === 'Literal');
  if (d) return d.value;
  const instant = ctx.graph.objects(period, TIME(owlTime))[0];
  return instant ? INSTANT_VALUES.flatMap((p) => ctx.graph.objects(instant, p))[0]?.value : undefined;
}

function dateOrWarn(ctx: ReadContext, node: Term, raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const d = normaliseDate(raw.trim());
  if (!d) warn(ctx, node.termType === 'Literal' ? ctx.root : node, `unparseable date "${raw.trim()}" dropped`);
  return d;
}
