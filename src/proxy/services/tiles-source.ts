/**
 * Tile sources: the layers a tile service offers and the upstream URL of each tile, per protocol —
 * xyz (service url + the layer's template), tms (TMS 1.0.0 layout, rows counted from the south: `{-y}`), wmts
 * (the REST ResourceURL template of the upstream capabilities when it is on the registered origin, else GetTile
 * KVP on the registered URL). URLs are built from the registered definition and validated numbers only, never
 * from a request's text; and they only go out through the service's Upstream, which refuses other origins.
 */
import type { Readable } from 'node:stream';
import { HubError } from '../../errors.ts';
import type { ServiceDef, TileLayerDef } from '../../store/services.ts';
import { decodedBody, type Upstream } from '../clients/upstream.ts';
import type { FetchOutcome } from '../caches/tile-cache.ts';
import { extensionOf, googleMapsCompatible, type MatrixSet } from './tiles-grid.ts';
import { readWmtsCapabilities, type WmtsContents, type WmtsLayer } from './tiles-wmts.ts';

export interface TileLayer {
  id: string;
  title: string;
  formats: string[];
  matrixSets: MatrixSet[];
  minZoom: number;
  maxZoom: number;
  /** Upstream URL of tile (z = index of the level in the set, x = column, y = row from the top). */
  url(set: MatrixSet, z: number, x: number, y: number, format: string): URL;
}

/** Tiles are small; this bounds what one tile may weigh, below the service's maxBytes. */
const MAX_TILE_BYTES = 16 * 1024 * 1024;
/** Upstream capabilities are read again after this long. */
const CAPABILITIES_TTL_MS = 3600_000;
const CAPABILITIES_MAX_BYTES = 50 * 1024 * 1024;

function fillXyz(template: string, z: number, x: number, y: number): string {
  return template.replace(/\{(-?y|x|z)\}/g, (_, name: string) =>
    String(name === 'z' ? z : name === 'x' ? x : name === 'y' ? y : 2 ** z - 1 - y));
}

/** xyz and tms layers, from the service definition. */
function templateLayer(service: ServiceDef, def: TileLayerDef): TileLayer {
  const format = def.format ?? 'image/png';
  const maxZoom = def.maxZoom ?? 22;
  const template = def.template ?? `${encodeURIComponent(def.id)}/{z}/{x}/{-y}.${extensionOf(format)}`;
  const base = service.url.endsWith('/') ? service.url : `${service.url}/`;
  if ((def.tileMatrixSet ?? 'GoogleMapsCompatible') !== 'GoogleMapsCompatible') {
    throw new HubError('invalid_parameter', `Layer ${def.id} of service "${service.id}": only GoogleMapsCompatible tms/xyz layers are served.`);
  }
  return {
    id: def.id, title: def.title ?? def.id, formats: [format], matrixSets: [googleMapsCompatible(maxZoom)],
    minZoom: def.minZoom ?? 0, maxZoom,
    url: (_set, z, x, y) => new URL(fillXyz(template, z, x, y), base),
  };
}

function getTileKvp(service: ServiceDef, l: WmtsLayer, set: MatrixSet, z: number, x: number, y: number, format: string): URL {
  const url = new URL(service.url);
  for (const k of [...url.searchParams.keys()]) if (/^(service|request|version)$/i.test(k)) url.searchParams.delete(k);
  const q: Record<string, string> = { SERVICE: 'WMTS', REQUEST: 'GetTile', VERSION: '1.0.0', LAYER: l.id, STYLE: l.style || 'default',
    FORMAT: format, TILEMATRIXSET: set.id, TILEMATRIX: set.levels[z].id, TILEROW: String(y), TILECOL: String(x), ...l.dimensions };
  for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
  return url;
}

function wmtsLayer(service: ServiceDef, l: WmtsLayer, sets: Map<string, MatrixSet>): TileLayer {
  const matrixSets = l.matrixSets.map((id) => sets.get(id)).filter((s): s is MatrixSet => !!s && s.levels.length > 0);
  const origin = new URL(service.url).origin;
  return {
    id: l.id, title: l.title || l.id, formats: l.formats, matrixSets, minZoom: 0,
    maxZoom: Math.max(0, ...matrixSets.map((s) => s.levels.length - 1)),
    url(set, z, x, y, format) {
      const template = l.templates[format];
      if (template) {
        const values: Record<string, string> = { ...l.dimensions, Style: l.style || 'default', TileMatrixSet: set.id,
          TileMatrix: set.levels[z].id, TileRow: String(y), TileCol: String(x) };
        const filled = template.replace(/\{([A-Za-z0-9_]+)\}/g, (m, name: string) => encodeURIComponent(values[name] ?? m));
        const url = new URL(filled, service.url);
        if (url.origin === origin) return url;
      }
      return getTileKvp(service, l, set, z, x, y, format);
    },
  };
}

/** The GetCapabilities URL: the registered URL itself when it names a document (REST), else KVP on it. */
export function wmtsCapabilitiesUrl(service: ServiceDef): URL {
  const url = new URL(service.url);
  if (/\.xml$/i.test(url.pathname)) return url;
  for (const k of [...url.searchParams.keys()]) if (/^(service|request|version)$/i.test(k)) url.searchParams.delete(k);
  url.searchParams.set('SERVICE', 'WMTS');
  url.searchParams.set('REQUEST', 'GetCapabilities');
  url.searchParams.set('VERSION', '1.0.0');
  return url;
}

async function fetchWmtsContents(upstream: Upstream): Promise<WmtsContents> {
  const { service } = upstream;
  const res = await upstream.request({ url: wmtsCapabilitiesUrl(service), headers: { accept: 'application/xml, text/xml' } });
  if (res.status !== 200) {
    (res.body as unknown as Readable).destroy();
    throw new HubError('upstream_unavailable', `Service "${service.id}" (${res.url.host}) answered ${res.status} to GetCapabilities.`);
  }
  return readWmtsCapabilities(decodedBody(res, Math.min(service.politeness.maxBytes, CAPABILITIES_MAX_BYTES)), `service "${service.id}" (${res.url.host})`);
}

interface CachedContents {
  url: string;
  /** When `contents` was asked for (a read in flight counts from its start). */
  at: number;
  contents: Promise<WmtsContents>;
  /** The last capabilities read successfully: served while a later read fails. */
  lastGood?: WmtsContents;
  /** After a failed read: its error (answered when there is no lastGood) and when to ask the upstream again. */
  failure?: { error: unknown; retryAt: number };
}
const wmtsCache = new Map<string, CachedContents>();
/** After a failed read, how long the capabilities are not asked for again (every tile request would otherwise). */
const CAPABILITIES_RETRY_MS = 15_000;

/** Forgets every upstream capabilities document read by this process (a restart, for tests). */
export function forgetWmtsCapabilities(): void {
  wmtsCache.clear();
}

/**
 * The upstream capabilities of a WMTS service, read once per hour. A failed read never takes away capabilities
 * read before (the cached tiles stay servable while the upstream is down); it is tried again after 15 s, and
 * until then requests are answered from what is known, or with the failure, without asking the upstream.
 */
function wmtsContents(upstream: Upstream): Promise<WmtsContents> {
  const { service } = upstream;
  const now = Date.now();
  const cached = wmtsCache.get(service.id);
  const known = cached?.url === service.url ? cached : undefined;
  if (known?.failure && now < known.failure.retryAt) {
    return known.lastGood ? Promise.resolve(known.lastGood) : Promise.reject(known.failure.error);
  }
  if (known && !known.failure && now - known.at < CAPABILITIES_TTL_MS) return known.contents;
  const entry: CachedContents = { url: service.url, at: now, contents: fetchWmtsContents(upstream), lastGood: known?.lastGood };
  wmtsCache.set(service.id, entry);
  entry.contents.then((c) => {
    entry.lastGood = c;
  }, (error: unknown) => {
    entry.failure = { error, retryAt: Date.now() + CAPABILITIES_RETRY_MS };
  });
  if (!entry.lastGood) return entry.contents;
  // A refresh: the requests waiting on it get the capabilities they had when it fails.
  const fallback = entry.lastGood;
  return entry.contents.catch(() => fallback);
}

/** The layers of a tile service (xyz, tms: its definition; wmts: the upstream capabilities). */
export async function tileLayers(upstream: Upstream): Promise<Map<string, TileLayer>> {
  const { service } = upstream;
  if (service.protocol === 'wmts') {
    const contents = await wmtsContents(upstream);
    return new Map([...contents.layers.values()].map((l) => [l.id, wmtsLayer(service, l, contents.matrixSets)]));
  }
  let layers = templateLayers.get(service);
  if (!layers) {
    layers = new Map((service.layers ?? []).map((def) => [def.id, templateLayer(service, def)]));
    templateLayers.set(service, layers);
  }
  return layers;
}

/** xyz/tms layers per definition object (the gate hands out the same object for a few seconds). */
const templateLayers = new WeakMap<ServiceDef, Map<string, TileLayer>>();

/** Reads a tile body, bounded. */
async function readTileBody(body: Readable, limit: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new HubError('upstream_too_large', `A tile from ${where} is larger than ${limit} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Statuses that mean "no tile here" (WMTS answers 400 TileOutOfRange; 204 and 404 are the usual ones). */
const NO_TILE = new Set([204, 400, 404, 410]);

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** One tile upstream, conditional when validators are given. */
export async function fetchTile(upstream: Upstream, url: URL, format: string,
  validators: { etag?: string; lastModified?: string } | null): Promise<FetchOutcome> {
  const { service } = upstream;
  const headers: Record<string, string> = { accept: `${format}, */*;q=0.1` };
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  const res = await upstream.request({ url, headers });
  const where = `service "${service.id}" (${res.url.host})`;
  if (res.status !== 200) {
    (res.body as unknown as Readable).destroy();
    if (res.status === 304) return { status: 304 };
    if (NO_TILE.has(res.status)) return { status: 404 };
    throw new HubError('upstream_unavailable', `${where} answered ${res.status} for a tile.`, { details: { service: service.id, status: res.status } });
  }
  const contentType = header(res.headers['content-type']) ?? format;
  // An OGC exception report or an HTML error page sent with 200 is not a tile: never cached.
  if (/xml|html|text\//i.test(contentType) && !/xml|html|text\//i.test(format)) {
    (res.body as unknown as Readable).destroy();
    throw new HubError('upstream_unavailable', `${where} answered ${contentType} instead of a ${format} tile.`);
  }
  const body = await readTileBody(decodedBody(res, MAX_TILE_BYTES * 4), Math.min(MAX_TILE_BYTES, service.politeness.maxBytes), where);
  if (body.length === 0) return { status: 404 };
  const etag = header(res.headers.etag);
  const lastModified = header(res.headers['last-modified']);
  return { status: 200, body, contentType, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}
