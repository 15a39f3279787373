/**
 * Extents -> dct:spatial and dct:temporal (DCAT-AP 3, GeoDCAT-AP 3).
 *
 * One dct:Location per bounding box, its geometry written three ways on locn:geometry, plus dcat:bbox:
 * - a GeoSPARQL gsp:wktLiteral without CRS IRI, i.e. CRS84 longitude/latitude (GeoSPARQL §8.5.1);
 * - the same geometry as a gsp:geoJSONLiteral (GeoDCAT-AP 3);
 * - the GeoJSON again typed with the IANA media-type IRI of GeoJSON: GeoDCAT-AP 1's datatype, and the only one
 *   udata's `spatial_from_rdf` (data.gouv.fr) reads besides the pre-GeoSPARQL ogc:wktLiteral.
 * A box across the antimeridian (west > east) is two polygons; a point box is a point.
 * Geographic descriptions (INSEE codes, place names) are Locations with a locn:geographicName.
 */
import type { BoundingBox, TemporalExtent } from '../types.ts';
import { DCAT, DCT, GSP, LOCN } from './vocab.ts';
import type { DcatWriter } from './write-context.ts';
import { dateLiteral, decimalLexical, text, typed } from './write-terms.ts';

/** GeoDCAT-AP 1.x's GeoJSON datatype, read by udata (data.gouv.fr). */
export const IANA_GEOJSON = 'https://www.iana.org/assignments/media-types/application/vnd.geo+json';

export function writeSpatial(w: DcatWriter): void {
  for (const box of w.rec.bboxes) {
    const g = geometryOf(box);
    if (!g) continue;
    const location = w.q.node(DCT('Location'));
    w.q.add(w.subject, DCT('spatial'), location);
    w.q.add(location, LOCN('geometry'), typed(g.wkt, GSP('wktLiteral')));
    w.q.add(location, LOCN('geometry'), typed(g.geojson, GSP('geoJSONLiteral')));
    w.q.add(location, LOCN('geometry'), typed(g.geojson, IANA_GEOJSON));
    w.q.add(location, DCAT('bbox'), typed(g.wkt, GSP('wktLiteral')));
  }
  for (const name of w.rec.geographicDescriptions) {
    const label = text(name);
    if (!label) continue;
    const location = w.q.node(DCT('Location'));
    w.q.add(w.subject, DCT('spatial'), location);
    w.q.add(location, LOCN('geographicName'), label);
  }
}

type Ring = [number, number][];

/** A box as WKT and GeoJSON, or undefined when it is not a box in WGS 84 degrees. */
export function geometryOf(b: BoundingBox): { wkt: string; geojson: string } | undefined {
  const { west, east, south, north } = b;
  if (![west, east, south, north].every(Number.isFinite)) return undefined;
  if (west < -180 || east > 180 || west > 180 || east < -180 || south < -90 || north > 90 || south > north) return undefined;
  if (west === east && south === north) {
    return { wkt: `POINT(${pos([west, south])})`, geojson: JSON.stringify({ type: 'Point', coordinates: [west, south] }) };
  }
  const rings = west <= east ? [ring(west, east, south, north)] : [ring(west, 180, south, north), ring(-180, east, south, north)];
  if (rings.length === 1) {
    return { wkt: `POLYGON(${wktRing(rings[0])})`, geojson: JSON.stringify({ type: 'Polygon', coordinates: [rings[0]] }) };
  }
  return {
    wkt: `MULTIPOLYGON(${rings.map((r) => `(${wktRing(r)})`).join(',')})`,
    geojson: JSON.stringify({ type: 'MultiPolygon', coordinates: rings.map((r) => [r]) }),
  };
}

/** Exterior ring counter-clockwise, as RFC 7946 §3.1.6 asks. */
function ring(west: number, east: number, south: number, north: number): Ring {
  return [[west, south], [east, south], [east, north], [west, north], [west, south]];
}

function pos([x, y]: [number, number]): string {
  return `${decimalLexical(x)} ${decimalLexical(y)}`;
}

function wktRing(r: Ring): string {
  return `(${r.map(pos).join(',')})`;
}

/** One dct:PeriodOfTime per temporal extent with a usable start or end (an open end is simply not written). */
export function writeTemporal(w: DcatWriter): void {
  for (const t of w.rec.temporalExtents) writePeriod(w, t);
}

function writePeriod(w: DcatWriter, t: TemporalExtent): void {
  const start = dateLiteral(t.start ?? undefined);
  const end = dateLiteral(t.end ?? undefined);
  if (!start && !end) return;
  const period = w.q.node(DCT('PeriodOfTime'));
  w.q.add(w.subject, DCT('temporal'), period);
  w.q.add(period, DCAT('startDate'), start);
  w.q.add(period, DCAT('endDate'), end);
}
