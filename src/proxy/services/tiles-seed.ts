/**
 * Seeding: filling the tile cache ahead of clients for a bounding box and a zoom range
 * (`moisson tiles seed <service> <layer> --bbox … --zoom a-b`), through the same cache and upstream client as
 * the tile route (politeness, limits, single flight). Refused for services whose `cache.seeding` is false —
 * OpenStreetMap's tile policy forbids bulk downloading (https://operations.osmfoundation.org/policies/tiles/).
 * Tiles already fresh in the cache are not fetched again.
 */
import type { Logger } from 'pino';
import { HubError } from '../../errors.ts';
import type { ServiceDef } from '../../store/services.ts';
import { upstreamFor } from '../clients/upstream.ts';
import type { Admitted } from '../gate.ts';
import { extensionOf, type MatrixSet } from './tiles-grid.ts';
import { tileLayers } from './tiles-source.ts';
import { createTileStore } from './tiles.ts';

export interface SeedRequest {
  layer: string;
  /** WGS84: min lon, min lat, max lon, max lat */
  bbox: [number, number, number, number];
  zoom: { from: number; to: number };
  /** Default: the layer's first set (GoogleMapsCompatible for xyz and tms). */
  matrixSet?: string;
}

export interface SeedProgress { done: number; total: number; failed: number }

/** Seeding walks whole levels in memory-light order; beyond this many tiles, ask for a smaller area. */
export const MAX_SEED_TILES = 1_000_000;
const HALF_WORLD = 20037508.342789244;
/** OGC "standardized rendering pixel size" (WMTS 1.0.0 §6.1): 0.28 mm. */
const PIXEL = 0.00028;

/** Parses `--bbox minlon,minlat,maxlon,maxlat` and `--zoom a-b` (or a single level). */
export function parseSeedArgs(bbox: string, zoom: string): { bbox: SeedRequest['bbox']; zoom: SeedRequest['zoom'] } {
  const b = bbox.split(',').map((v) => Number(v.trim()));
  if (b.length !== 4 || b.some((v) => !Number.isFinite(v)) || b[0] >= b[2] || b[1] >= b[3] || b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90) {
    throw new HubError('invalid_parameter', `--bbox "${bbox}" is not minlon,minlat,maxlon,maxlat in degrees (WGS84) with min < max.`, { locator: 'bbox' });
  }
  const m = /^(\d{1,2})(?:-(\d{1,2}))?$/.exec(zoom.trim());
  if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
    throw new HubError('invalid_parameter', `--zoom "${zoom}" is not a level or a range such as 0-12.`, { locator: 'zoom' });
  }
  return { bbox: b as SeedRequest['bbox'], zoom: { from: Number(m[1]), to: Number(m[2] ?? m[1]) } };
}

function mercator(lon: number, lat: number): [number, number] {
  const clamped = Math.max(-85.0511287798, Math.min(85.0511287798, lat));
  return [(lon * HALF_WORLD) / 180, Math.log(Math.tan(((90 + clamped) * Math.PI) / 360)) * (HALF_WORLD / Math.PI)];
}

/** Columns and rows of level z of a Web Mercator set covering the bbox. */
function levelRange(set: MatrixSet, z: number, bbox: SeedRequest['bbox']): { x0: number; x1: number; y0: number; y1: number } {
  const l = set.levels[z];
  const span = l.scaleDenominator * PIXEL * l.tileWidth;
  const spanY = l.scaleDenominator * PIXEL * l.tileHeight;
  const [minx, miny] = mercator(bbox[0], bbox[1]);
  const [maxx, maxy] = mercator(bbox[2], bbox[3]);
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  return {
    x0: clamp(Math.floor((minx - l.topLeft[0]) / span), l.matrixWidth), x1: clamp(Math.floor((maxx - l.topLeft[0]) / span), l.matrixWidth),
    y0: clamp(Math.floor((l.topLeft[1] - maxy) / spanY), l.matrixHeight), y1: clamp(Math.floor((l.topLeft[1] - miny) / spanY), l.matrixHeight),
  };
}

function isWebMercator(set: MatrixSet): boolean {
  return /(^|[:/])(3857|900913|3785)$/.test(set.crs) || set.wellKnownScaleSet?.endsWith('GoogleMapsCompatible') === true;
}

/** Every tile address of the request, level by level. */
function* addresses(serviceId: string, set: MatrixSet, ext: string, req: SeedRequest) {
  for (let z = req.zoom.from; z <= req.zoom.to; z++) {
    const r = levelRange(set, z, req.bbox);
    for (let x = r.x0; x <= r.x1; x++) for (let y = r.y0; y <= r.y1; y++) {
      yield { service: serviceId, layer: req.layer, matrixSet: set.id, z, x, y, ext };
    }
  }
}

function countTiles(set: MatrixSet, req: SeedRequest): number {
  let n = 0;
  for (let z = req.zoom.from; z <= req.zoom.to; z++) {
    const r = levelRange(set, z, req.bbox);
    n += (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
  }
  return n;
}

/** Seeds a layer's tiles into `<dataDir>/tiles`; resolves with the final counts. */
export async function seedTiles(
  opts: { service: ServiceDef; dataDir: string; baseUrl: string; logger: Logger },
  req: SeedRequest, onProgress: (p: SeedProgress) => void = () => {},
): Promise<SeedProgress> {
  const { service } = opts;
  if (!service.cache.seeding) {
    throw new HubError('forbidden', `Service "${service.id}" does not allow seeding (cache.seeding is false)`
      + `${/openstreetmap\.org/i.test(service.url) ? ": OpenStreetMap's tile usage policy forbids bulk downloading" : ''}.`);
  }
  if (!service.cache.tiles) throw new HubError('invalid_parameter', `Service "${service.id}" does not cache tiles (cache.tiles is false): nothing to seed.`);
  const a: Admitted = { service, key: null, upstream: upstreamFor(service, { baseUrl: opts.baseUrl }) };
  const layer = (await tileLayers(a.upstream)).get(req.layer);
  if (!layer) throw new HubError('not_found', `Service "${service.id}" has no tile layer "${req.layer}".`, { locator: 'layer' });
  const set = req.matrixSet ? layer.matrixSets.find((s) => s.id === req.matrixSet) : layer.matrixSets[0];
  if (!set) throw new HubError('invalid_parameter', `Layer "${req.layer}" has no tile matrix set "${req.matrixSet ?? ''}".`, { locator: 'matrixSet' });
  if (!isWebMercator(set)) throw new HubError('invalid_parameter', `Seeding covers Web Mercator sets only; "${set.id}" is in ${set.crs}.`);
  if (req.zoom.from < layer.minZoom || req.zoom.to > Math.min(layer.maxZoom, set.levels.length - 1)) {
    throw new HubError('invalid_parameter', `Zoom ${req.zoom.from}-${req.zoom.to} is outside ${layer.minZoom}-${Math.min(layer.maxZoom, set.levels.length - 1)} for layer ${req.layer}.`, { locator: 'zoom' });
  }
  const total = countTiles(set, req);
  if (total > MAX_SEED_TILES) throw new HubError('invalid_parameter', `That is ${total} tiles, over the limit of ${MAX_SEED_TILES}: seed a smaller area or fewer levels.`);
  // No memory cache: seeded tiles go to disk, where the hub finds them.
  const store = createTileStore({ dataDir: opts.dataDir, logger: opts.logger, memoryBytes: 1 });
  const progress: SeedProgress = { done: 0, total, failed: 0 };
  const it = addresses(service.id, set, extensionOf(layer.formats[0]), req);
  const worker = async () => {
    for (let next = it.next(); !next.done; next = it.next()) {
      try {
        await store.tile(next.value, a);
      } catch (err) {
        progress.failed += 1;
        if ((err as HubError).code !== 'tile_not_found') opts.logger.warn({ err, tile: next.value }, 'seeding: tile failed');
      }
      progress.done += 1;
      onProgress(progress);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, service.politeness.concurrency) }, worker));
  return progress;
}
