/**
 * Tile addresses of `/tiles/{service}/{layer}/{tileMatrixSet}/{z}/{x}/{y}.{ext}`: parsing and validation
 * against the layer's zoom range and matrix sizes, before any cache or upstream is touched (a tile outside the
 * matrix is a 400, never an upstream request).
 */
import { HubError } from '../../errors.ts';

/** One level of a tile matrix set: its identifier upstream and its size in tiles. */
export interface MatrixLevel {
  /** Identifier sent upstream (WMTS TileMatrix; the level number for xyz/tms). */
  id: string;
  matrixWidth: number;
  matrixHeight: number;
  scaleDenominator: number;
  topLeft: [number, number];
  tileWidth: number;
  tileHeight: number;
}

export interface MatrixSet {
  id: string;
  crs: string;
  wellKnownScaleSet?: string;
  levels: MatrixLevel[];
}

export interface TileAddress {
  service: string;
  layer: string;
  matrixSet: string;
  z: number;
  x: number;
  y: number;
  ext: string;
}

/** Half the side of the Web Mercator square (EPSG:3857), in metres. */
const HALF_WORLD = 20037508.342789244;
/** Scale denominator of level 0 of GoogleMapsCompatible (OGC WMTS 1.0.0, annex E.4: 0.28 mm pixels). */
const GMC_SCALE0 = 559082264.0287178;

/** OGC's well-known GoogleMapsCompatible set (Web Mercator, 256 px), levels 0..maxZoom. */
export function googleMapsCompatible(maxZoom = 22): MatrixSet {
  const levels: MatrixLevel[] = [];
  for (let z = 0; z <= maxZoom; z++) {
    levels.push({ id: String(z), matrixWidth: 2 ** z, matrixHeight: 2 ** z, scaleDenominator: GMC_SCALE0 / 2 ** z,
      topLeft: [-HALF_WORLD, HALF_WORLD], tileWidth: 256, tileHeight: 256 });
  }
  return { id: 'GoogleMapsCompatible', crs: 'urn:ogc:def:crs:EPSG::3857',
    wellKnownScaleSet: 'urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible', levels };
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const INTEGER = /^(0|[1-9][0-9]{0,9})$/;
const FILE = /^(0|[1-9][0-9]{0,9})\.([a-z0-9]{2,5})$/;

function integer(text: string, name: string): number {
  if (!INTEGER.test(text)) throw new HubError('invalid_parameter', `Tile ${name} "${text.slice(0, 20)}" is not a non-negative integer.`, { locator: name });
  return Number(text);
}

/** Parses the path segments after /tiles/; throws invalid_parameter naming the bad segment. */
export function parseTilePath(segments: string[]): TileAddress {
  if (segments.length !== 6) {
    throw new HubError('invalid_parameter', 'A tile path is /tiles/{service}/{layer}/{tileMatrixSet}/{z}/{x}/{y}.{ext}.', { locator: 'path' });
  }
  const [service, layer, matrixSet, zText, xText, file] = segments;
  for (const [name, v] of [['service', service], ['layer', layer], ['tileMatrixSet', matrixSet]] as const) {
    if (!SEGMENT.test(v)) throw new HubError('invalid_parameter', `Invalid ${name} "${v.slice(0, 64)}" in the tile path.`, { locator: name });
  }
  const m = FILE.exec(file);
  if (!m) throw new HubError('invalid_parameter', `Tile "${file.slice(0, 40)}" is not {y}.{ext} (for example 12.png).`, { locator: 'y' });
  return { service, layer, matrixSet, z: integer(zText, 'z'), x: integer(xText, 'x'), y: Number(m[1]), ext: m[2] };
}

/** Throws a 400 when the tile is outside the layer's zoom range or the level's matrix. */
export function checkTileInRange(t: TileAddress, set: MatrixSet, zoom: { min: number; max: number }): MatrixLevel {
  const max = Math.min(zoom.max, set.levels.length - 1);
  if (t.z < zoom.min || t.z > max) {
    throw new HubError('invalid_parameter', `Zoom level ${t.z} is outside ${zoom.min}–${max} for layer ${t.layer}.`, { locator: 'z' });
  }
  const level = set.levels[t.z];
  if (t.x >= level.matrixWidth) {
    throw new HubError('invalid_parameter', `Tile column ${t.x} is outside 0–${level.matrixWidth - 1} at zoom ${t.z}.`, { locator: 'x' });
  }
  if (t.y >= level.matrixHeight) {
    throw new HubError('invalid_parameter', `Tile row ${t.y} is outside 0–${level.matrixHeight - 1} at zoom ${t.z}.`, { locator: 'y' });
  }
  return level;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif',
  'application/vnd.mapbox-vector-tile': 'pbf', 'application/x-protobuf': 'pbf',
};

/** The file extension of a tile media type (`image/png; mode=8bit` → png). */
export function extensionOf(format: string): string {
  const base = format.split(';')[0].trim().toLowerCase();
  return EXTENSIONS[base] ?? base.split('/')[1]?.replace(/[^a-z0-9]/g, '').slice(0, 5) ?? 'bin';
}

/** True when the extension in the URL names the format (jpeg and jpg both name image/jpeg). */
export function extensionMatches(ext: string, format: string): boolean {
  const expected = extensionOf(format);
  return ext === expected || (expected === 'jpg' && ext === 'jpeg');
}

/** Web Mercator tile range covering a WGS84 bbox at zoom z (for seeding). */
export function tileRange(bbox: [number, number, number, number], z: number): { x0: number; x1: number; y0: number; y1: number } {
  const n = 2 ** z;
  const clampLat = (lat: number) => Math.max(-85.0511287798, Math.min(85.0511287798, lat));
  const tx = (lon: number) => Math.min(n - 1, Math.max(0, Math.floor(((lon + 180) / 360) * n)));
  const ty = (lat: number) => {
    const r = (clampLat(lat) * Math.PI) / 180;
    return Math.min(n - 1, Math.max(0, Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)));
  };
  return { x0: tx(bbox[0]), x1: tx(bbox[2]), y0: ty(bbox[3]), y1: ty(bbox[1]) };
}
