/**
 * The coordinate reference systems a filter envelope may be given in, and their axis order, shared by the
 * OGC Filter and CQL parsers. Only geographic WGS 84 is accepted (the catalogue's boxes are WGS 84, and the hub
 * does no reprojection), with the two European datums that INSPIRE and French clients send: ETRS89 (EPSG:4258,
 * the INSPIRE geographic CRS) and RGF93 (EPSG:4171, France's realisation of it), which differ from WGS 84 by
 * less than a metre, far below the precision of a metadata bounding box. What differs between their names is
 * the axis order:
 *
 * - the URN and HTTP URI forms of EPSG:4326 (`urn:ogc:def:crs:EPSG::4326`, `urn:ogc:def:crs:EPSG:6.6:4326`,
 *   `http://www.opengis.net/def/crs/EPSG/0/4326`) follow the EPSG database: latitude first. QGIS MetaSearch
 *   sends exactly that (OWSLib `fes.BBox([miny, minx, maxy, maxx], crs='urn:ogc:def:crs:EPSG::4326')`).
 * - the short `EPSG:4326`, the CRS84 names and no srsName at all are read longitude first, as pycsw and
 *   GeoNetwork read them (GeoNetwork's own CSW harvester sends `bbox-xmin bbox-ymin` without a srsName, OWSLib's
 *   `fes.BBox(bbox)` without crs writes `minx miny`).
 */
import { HubError } from '../../errors.ts';
import type { Envelope } from './ast.ts';

export type AxisOrder = 'lonlat' | 'latlon';

/** EPSG codes of the geographic CRSs taken as WGS 84: WGS 84, ETRS89, RGF93. */
const CODES = '(?:4326|4258|4171)';

const LON_LAT: readonly RegExp[] = [
  new RegExp(`^epsg:${CODES}$`, 'i'),
  /^crs:?84$/i,
  /^urn:ogc:def:crs:ogc:(?:[\d.]*):crs84$/i,
  /^https?:\/\/www\.opengis\.net\/def\/crs\/ogc\/[\d.]+\/crs84$/i,
  // The GML 2 "XML" form is x/y by convention (GeoServer's rule).
  new RegExp(`^https?://www\\.opengis\\.net/gml/srs/epsg\\.xml#${CODES}$`, 'i'),
];

const LAT_LON: readonly RegExp[] = [
  new RegExp(`^urn:(?:x-)?ogc:def:crs:epsg:(?:[\\d.]*:)?${CODES}$`, 'i'),
  new RegExp(`^https?://www\\.opengis\\.net/def/crs/epsg/[\\d.]+/${CODES}$`, 'i'),
];

/** The axis order of a CRS name (undefined or empty: longitude first); any other CRS is an invalid parameter. */
export function axisOrder(srsName: string | undefined, locator = 'Constraint'): AxisOrder {
  const name = srsName?.trim() ?? '';
  if (name === '' || LON_LAT.some((re) => re.test(name))) return 'lonlat';
  if (LAT_LON.some((re) => re.test(name))) return 'latlon';
  throw new HubError('invalid_parameter',
    `Unsupported CRS '${name}': envelopes must be given in geographic WGS 84 (EPSG:4326, urn:ogc:def:crs:EPSG::4326 or CRS84), `
      + 'ETRS89 (EPSG:4258) or RGF93 (EPSG:4171); the hub does not reproject.',
    { locator });
}

/** One position as read: two numbers in the order of the CRS. */
export type Position = readonly [number, number];

function checkRange(env: Envelope, what: string, locator: string): void {
  const lat = [env.south, env.north];
  const lon = [env.west, env.east];
  if (lat.some((v) => v < -90 || v > 90)) {
    throw new HubError('invalid_parameter',
      `${what}: latitude ${lat.find((v) => v < -90 || v > 90)} is out of range [-90, 90] (check the axis order of the CRS).`, { locator });
  }
  if (lon.some((v) => v < -180 || v > 180)) {
    throw new HubError('invalid_parameter',
      `${what}: longitude ${lon.find((v) => v < -180 || v > 180)} is out of range [-180, 180].`, { locator });
  }
  if (env.south > env.north) {
    throw new HubError('invalid_parameter', `${what}: the lower corner's latitude ${env.south} is above the upper corner's ${env.north}.`, { locator });
  }
}

function toLonLat(p: Position, order: AxisOrder): [number, number] {
  return order === 'latlon' ? [p[1], p[0]] : [p[0], p[1]];
}

/**
 * The envelope of a lower and an upper corner given in the CRS's axis order. West may exceed east: the envelope
 * then crosses the antimeridian (the SQL translator splits it).
 */
export function envelopeFromCorners(lower: Position, upper: Position, order: AxisOrder, what: string, locator = 'Constraint'): Envelope {
  const [west, south] = toLonLat(lower, order);
  const [east, north] = toLonLat(upper, order);
  const env = { west, south, east, north };
  checkRange(env, what, locator);
  return env;
}

/**
 * The envelope (minimum bounding box) of any set of positions, e.g. the vertices of a polygon: the hub compares
 * envelopes only, so a polygon filter matches on its bounding box.
 */
export function envelopeOfPositions(positions: readonly Position[], order: AxisOrder, what: string, locator = 'Constraint'): Envelope {
  if (positions.length === 0) throw new HubError('invalid_parameter', `${what}: the geometry has no coordinates.`, { locator });
  const pts = positions.map((p) => toLonLat(p, order));
  const env = {
    west: Math.min(...pts.map((p) => p[0])),
    south: Math.min(...pts.map((p) => p[1])),
    east: Math.max(...pts.map((p) => p[0])),
    north: Math.max(...pts.map((p) => p[1])),
  };
  checkRange(env, what, locator);
  return env;
}
