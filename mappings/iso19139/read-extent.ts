/**
 * EX_Extent -> bounding boxes, geographic descriptions and temporal extents. Extents are read from gmd:extent
 * and srv:extent alike (pycsw's 3e9a8c05 sample puts gmd:extent in SV_ServiceIdentification), and time
 * primitives in both GML namespaces (3.2 and 3.1.1, still used by older records).
 */
import type { BoundingBox, TemporalExtent } from '../types.ts';
import { attribute, first, select, textOf, type Step, type XmlElement } from '../xml/index.ts';
import { NS_GML311, NS_GML32, NS_GMD, NS_SRV } from './namespaces.ts';
import { gmd, textAt, warn, type ReadContext } from './read-context.ts';
import { normaliseDate, numberValue } from './read-values.ts';

const GML = [NS_GML32, NS_GML311] as const;
const gml = (local: string): Step => [GML, local];

export interface Extents {
  bboxes: BoundingBox[];
  geographicDescriptions: string[];
  temporalExtents: TemporalExtent[];
}

/** Every EX_Extent of an identification element. */
export function readExtents(ctx: ReadContext, identification: XmlElement): Extents {
  const out: Extents = { bboxes: [], geographicDescriptions: [], temporalExtents: [] };
  for (const extent of select(identification, [[NS_GMD, NS_SRV], 'extent'], gmd('EX_Extent'))) {
    for (const box of select(extent, gmd('geographicElement'), gmd('EX_GeographicBoundingBox'))) {
      const bbox = readBbox(ctx, box);
      if (bbox) out.bboxes.push(bbox);
    }
    for (const id of select(extent, gmd('geographicElement'), gmd('EX_GeographicDescription'), gmd('geographicIdentifier'))) {
      const value = textAt(first(id, ['*', '*']), gmd('code'));
      if (value) out.geographicDescriptions.push(value);
    }
    for (const primitive of select(extent, gmd('temporalElement'), ['*', '*'], gmd('extent'), ['*', '*'])) {
      const t = readTime(ctx, primitive);
      if (t) out.temporalExtents.push(t);
    }
  }
  return out;
}

const SIDES = ['westBoundLongitude', 'eastBoundLongitude', 'southBoundLatitude', 'northBoundLatitude'] as const;

/**
 * A WGS 84 box. A box with a side missing or out of range is dropped; sides given in the wrong order are
 * swapped back; both with a warning. west > east stays when it reads as a box crossing the antimeridian (less
 * than half the globe wide, e.g. Fiji 177 -> -178); wider than that, it is a swap (Géo-IDE's 3.18 -> 1.55).
 */
function readBbox(ctx: ReadContext, box: XmlElement): BoundingBox | undefined {
  const [west, east, south, north] = SIDES.map((side) => numberValue(ctx, first(box, gmd(side))));
  if (west === undefined || east === undefined || south === undefined || north === undefined) {
    warn(ctx, box, 'bounding box with a missing or non-numeric side dropped');
    return undefined;
  }
  const outOfRange = [west, east].some((v) => Math.abs(v) > 180) || [south, north].some((v) => Math.abs(v) > 90);
  if (outOfRange) {
    warn(ctx, box, `bounding box out of WGS 84 range dropped (W ${west}, E ${east}, S ${south}, N ${north})`);
    return undefined;
  }
  const out = { west, east, south, north };
  if (south > north) {
    warn(ctx, box, `bounding box with south ${south} > north ${north}: latitudes swapped`);
    [out.south, out.north] = [north, south];
  }
  if (west > east && east + 360 - west > 180) {
    warn(ctx, box, `bounding box with west ${west} > east ${east}: longitudes swapped`);
    [out.west, out.east] = [east, west];
  }
  return out;
}

/** gml:TimePeriod (begin/end or beginPosition/endPosition) or gml:TimeInstant. */
function readTime(ctx: ReadContext, primitive: XmlElement): TemporalExtent | undefined {
  if (!GML.includes(primitive.uri as (typeof GML)[number])) return undefined;
  if (primitive.local === 'TimeInstant') {
    const at = position(ctx, first(primitive, gml('timePosition')));
    return at.value ? { start: at.value, end: at.value } : undefined;
  }
  if (primitive.local !== 'TimePeriod') return undefined;
  const begin = position(ctx, first(primitive, gml('beginPosition')) ?? first(primitive, gml('begin'), gml('TimeInstant'), gml('timePosition')));
  const end = position(ctx, first(primitive, gml('endPosition')) ?? first(primitive, gml('end'), gml('TimeInstant'), gml('timePosition')));
  if (!begin.value && !end.value && !end.indeterminate) return undefined;
  const out: TemporalExtent = { start: begin.value ?? null, end: end.value ?? null };
  if (end.indeterminate) out.endIndeterminate = end.indeterminate;
  return out;
}

function position(ctx: ReadContext, el: XmlElement | undefined): { value?: string; indeterminate?: string } {
  if (!el) return {};
  const raw = textOf(el).trim();
  const indeterminate = attribute(el, '', 'indeterminatePosition')?.trim() || undefined;
  if (!raw) return { indeterminate };
  const value = normaliseDate(raw);
  if (!value) warn(ctx, el, `unparseable time position "${raw}" dropped`);
  return { value, indeterminate };
}
