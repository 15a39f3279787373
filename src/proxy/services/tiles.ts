/**
 * `/tiles/{service}/{layer}/{tileMatrixSet}/{z}/{x}/{y}.{ext}` and `/tiles/{service}/WMTSCapabilities.xml`:
 * the cached tile service (DESIGN.md §8). Parses and validates the tile address, admits the request (gate.ts),
 * answers from the tile cache (memory, disk, or one upstream fetch per missing tile), with ETag,
 * Last-Modified, 304 and Cache-Control; a stale tile when the upstream fails carries
 * `Warning: 110 - "Response is Stale"` and `111 - "Revalidation Failed"` (RFC 7234 §5.5) and a short max-age.
 *
 * `handleTile` knows nothing of koa (STYLE.md §10): the koa route and the plain node:http fast path of
 * server.ts both call it, so access checks, usage counting and errors are the same on both.
 */
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Router from '@koa/router';
import { HubError, errorJson, toHubError } from '../../errors.ts';
import { throttledWarn } from '../../logger.ts';
import { admit, admitCached, type Admitted, type ProxyDeps } from '../gate.ts';
import { TileCache, type ServedTile, type TilePolicy } from '../caches/tile-cache.ts';
import { streamTile } from '../caches/tile-file.ts';
import { checkTileInRange, extensionMatches, parseTilePath, type TileAddress } from './tiles-grid.ts';
import { fetchTile, tileLayers, type TileLayer } from './tiles-source.ts';
import { notModifiedSince } from './tile-url.ts';
import { tileCapabilities } from './tiles-capabilities.ts';
import type { ServiceDef, ServiceProtocol } from '../../store/services.ts';

export const TILE_ROUTE = '/tiles/:service/:layer/:tileMatrixSet/:z/:x/:y';
const PROTOCOLS: ServiceProtocol[] = ['wmts', 'tms', 'xyz'];
/** max-age of a stale tile: clients come back soon, when the upstream may be back. */
const STALE_MAX_AGE = 60;

export interface TileRequest {
  method: string;
  /** The path after `/tiles/`, still percent-encoded (an encoded segment is refused, never decoded). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface TileResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | Readable | string | null;
}

export interface TileService {
  readonly cache: TileCache;
  handleTile(req: TileRequest): Promise<TileResponse>;
  /**
   * The answer to a request without query string for a tile in memory of a public service whose definition is
   * cached, given at once (no promise: the fast path's hot tiles); undefined when handleTile must answer.
   * Same headers, statuses and usage counts as handleTile. Reads only the request headers in HOT_TILE_HEADERS.
   */
  hotTile(req: Omit<TileRequest, 'query'>): TileResponse | undefined;
  capabilities(serviceId: string, req: Omit<TileRequest, 'path' | 'method'>): Promise<TileResponse>;
}

export { HOT_TILE_HEADERS } from './tile-url.ts';

function policyOf(a: Admitted): TilePolicy {
  const c = a.service.cache;
  return { maxAgeSeconds: c.maxAgeSeconds, staleIfError: c.staleIfError, store: c.tiles };
}

/** The tile's key in the cache: also its path under `<DATA_DIR>/tiles`. */
export function tileKey(t: TileAddress): string {
  return `${t.service}/${t.layer}/${t.matrixSet}/${t.z}/${t.x}/${t.y}.${t.ext}`;
}

function notModified(headers: IncomingHttpHeaders, tile: ServedTile): boolean {
  return notModifiedSince(headers, tile.meta.etag, tile.meta.lastModified);
}

const STALE_WARNING = '110 moisson "Response is Stale", 111 moisson "Revalidation Failed"';

function cacheControl(service: ServiceDef, tile: ServedTile, now: number): string {
  const scope = service.access === 'public' ? 'public' : 'private';
  if (tile.stale) return `${scope}, max-age=${STALE_MAX_AGE}`;
  const left = Math.max(0, Math.floor((tile.fetchedAt + service.cache.maxAgeSeconds * 1000 - now) / 1000));
  return `${scope}, max-age=${left}`;
}

/** 304 when the client's validators match, else 200 with the tile's headers (the body is the caller's). */
function notModifiedResponse(req: { headers: IncomingHttpHeaders }, tile: ServedTile, cc: string): TileResponse | null {
  if (!notModified(req.headers, tile)) return null;
  return { status: 304, headers: { 'cache-control': cc, 'access-control-allow-origin': '*', etag: tile.meta.etag,
    'last-modified': tile.meta.lastModified, ...(tile.stale ? { warning: STALE_WARNING } : {}) }, body: null };
}

/**
 * The response headers of a tile, kept on the tile while its Cache-Control stays the same (a second): a hot
 * tile is answered thousands of times a second, with one headers object. Never mutated by the callers.
 */
function okHeaders(tile: ServedTile, cc: string): Record<string, string> {
  if (tile.memo?.cacheControl === cc) return tile.memo.headers;
  const headers = { ...tile.headers, 'cache-control': cc, 'access-control-allow-origin': '*', ...(tile.stale ? { warning: STALE_WARNING } : {}) };
  tile.memo = { cacheControl: cc, headers };
  return headers;
}

/** The body: bytes in memory, or (large tiles) a stream from the cache file, whose size is read again. */
async function tileBody(tile: ServedTile, head: boolean, headers: Record<string, string>): Promise<{ body: Buffer | Readable | null; headers: Record<string, string> }> {
  if (head || tile.body) return { body: head ? null : tile.body, headers };
  const s = await streamTile(tile.file);
  if (!s) throw new HubError('tile_not_found', 'The cached tile disappeared; ask again.');
  return { body: s.stream, headers: { ...headers, 'content-length': String(s.size) } };
}

type Warn = ReturnType<typeof throttledWarn>;

function errorResponse(err: unknown, warn: Warn, service?: string): TileResponse {
  const e = toHubError(err);
  if (e.status >= 500) warn(`${service}\0${e.code}`, { err, code: e.code, ...(service ? { service } : {}) }, 'tile request failed');
  return { status: e.status, headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...e.headers },
    body: JSON.stringify(errorJson(e)) };
}

/** The cache and the tile lookup, without admission: what the service and the seeding command share. */
export interface TileStore {
  readonly cache: TileCache;
  /** The tile at a validated address of an admitted service: from memory, disk or one upstream fetch. */
  tile(t: TileAddress, a: Admitted): Promise<ServedTile>;
}

export function createTileStore(opts: { dataDir: string; logger: ProxyDeps['logger']; memoryBytes?: number }): TileStore {
  const cache = new TileCache({
    root: path.join(opts.dataDir, 'tiles'), memoryBytes: opts.memoryBytes,
    onWriteError: (err, key) => opts.logger.error({ err, key }, 'tile cache write failed; the tile is served anyway'),
  });

  async function tile(t: TileAddress, a: Admitted): Promise<ServedTile> {
    const key = tileKey(t);
    const policy = policyOf(a);
    const hot = cache.peek(key, policy.maxAgeSeconds);
    if (hot) return hot;
    let layers: Map<string, TileLayer>;
    try {
      layers = await tileLayers(a.upstream);
    } catch (err) {
      // The upstream is down and this process has never read its capabilities: the cache answers with its
      // copy (fresh, or stale by the stale policy; it was checked against the layers when it was fetched), as
      // for a failed tile fetch, or with this error.
      return cache.get(key, policy, () => Promise.reject(err));
    }
    const layer = layers.get(t.layer);
    if (!layer) throw new HubError('not_found', `Service "${t.service}" has no tile layer "${t.layer}".`, { locator: 'layer' });
    const set = layer.matrixSets.find((s) => s.id === t.matrixSet);
    if (!set) {
      throw new HubError('invalid_parameter', `Layer "${t.layer}" has no tile matrix set "${t.matrixSet}" (it has ${layer.matrixSets.map((s) => s.id).join(', ')}).`,
        { locator: 'tileMatrixSet' });
    }
    const format = layer.formats.find((f) => extensionMatches(t.ext, f));
    if (!format) throw new HubError('invalid_parameter', `Layer "${t.layer}" is not served as .${t.ext} (formats: ${layer.formats.join(', ')}).`, { locator: 'ext' });
    checkTileInRange(t, set, { min: layer.minZoom, max: layer.maxZoom });
    const url = layer.url(set, t.z, t.x, t.y, format);
    return cache.get(key, policy, (validators) => fetchTile(a.upstream, url, format, validators));
  }
  return { cache, tile };
}

/** Creates the tile service of a hub: one cache, shared by the koa routes and the fast path. */
export function createTileService(deps: ProxyDeps, opts: { memoryBytes?: number } = {}): TileService {
  const store = createTileStore({ dataDir: deps.dataDir, logger: deps.logger, memoryBytes: opts.memoryBytes });
  const { cache } = store;
  const warn = throttledWarn(deps.logger);

  async function handleTile(req: TileRequest): Promise<TileResponse> {
    let t: TileAddress | undefined;
    let a: Admitted | undefined;
    let res: TileResponse;
    try {
      t = parseTilePath(req.path.split('/'));
      a = await admit(deps, t.service, PROTOCOLS, { headers: req.headers, query: req.query });
      const tile = await store.tile(t, a);
      const cc = cacheControl(a.service, tile, Date.now());
      const unchanged = notModifiedResponse(req, tile, cc);
      if (unchanged) res = unchanged;
      else {
        const { body, headers } = await tileBody(tile, req.method === 'HEAD', okHeaders(tile, cc));
        res = { status: 200, headers, body };
      }
    } catch (err) {
      res = errorResponse(err, warn, t?.service);
    }
    if (t && a) {
      deps.usage.count({ service: t.service, layer: t.layer, ...(a.key ? { key: a.key.id } : {}), status: res.status,
        bytes: res.status === 200 ? Number(res.headers['content-length'] ?? 0) : 0 });
    } else if (t) deps.usage.count({ service: t.service, layer: t.layer, status: res.status });
    return res;
  }

  function hotTile(req: Omit<TileRequest, 'query'>): TileResponse | undefined {
    const p = req.path;
    const afterService = p.indexOf('/');
    if (afterService <= 0) return undefined;
    const service = admitCached(deps, p.slice(0, afterService), PROTOCOLS, req.headers);
    if (!service) return undefined;
    // A path written as the hub writes its cache keys (tileKey: no leading zeros, the extension as given) is the
    // key itself, and the cache holds only keys that were parsed and checked when their tile was fetched. Any
    // other spelling (a malformed path, 03 for 3) misses here and goes to handleTile, which parses and explains.
    const tile = cache.peek(p, service.cache.maxAgeSeconds);
    if (!tile?.body) return undefined;
    const cc = cacheControl(service, tile, Date.now());
    const res = notModifiedResponse(req, tile, cc)
      ?? { status: 200, headers: okHeaders(tile, cc), body: req.method === 'HEAD' ? null : tile.body };
    const layer = p.slice(afterService + 1, p.indexOf('/', afterService + 1));
    deps.usage.count({ service: service.id, layer, status: res.status, bytes: res.status === 200 ? tile.size : 0 });
    return res;
  }

  async function capabilities(serviceId: string, req: Omit<TileRequest, 'path' | 'method'>): Promise<TileResponse> {
    try {
      const a = await admit(deps, serviceId, PROTOCOLS, { headers: req.headers, query: req.query });
      const layers = [...(await tileLayers(a.upstream)).values()].filter((l) => l.matrixSets.length > 0);
      deps.usage.count({ service: serviceId, ...(a.key ? { key: a.key.id } : {}), status: 200 });
      return { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8', 'access-control-allow-origin': '*',
        'cache-control': a.service.access === 'public' ? 'public, max-age=300' : 'private, max-age=300' },
      body: tileCapabilities(a.service, layers, deps.baseUrl) };
    } catch (err) {
      return errorResponse(err, warn, serviceId);
    }
  }

  return { cache, handleTile, hotTile, capabilities };
}

/** Mounts /tiles on the hub's router. */
export function tileRoutes(router: Router, deps: ProxyDeps, service = createTileService(deps)): TileService {
  const send = (ctx: Router.RouterContext, res: TileResponse) => {
    ctx.status = res.status;
    ctx.set(res.headers);
    // No body on HEAD and 304: koa then ends the response with the headers only.
    if (res.body !== null) ctx.body = res.body;
  };
  const caps = async (ctx: Router.RouterContext) => {
    send(ctx, await service.capabilities(ctx.params.service, { query: new URLSearchParams(ctx.querystring), headers: ctx.headers }));
  };
  router.get('/tiles/:service/WMTSCapabilities.xml', caps);
  router.get('/tiles/:service/1.0.0/WMTSCapabilities.xml', caps);
  router.get(TILE_ROUTE, async (ctx) => {
    const rawPath = ctx.path.slice('/tiles/'.length);
    send(ctx, await service.handleTile({ method: ctx.method, path: rawPath, query: new URLSearchParams(ctx.querystring), headers: ctx.headers }));
  });
  return service;
}

/** The tile service of each koa app built by createApp, for the fast path of server.ts (tiles-fast.ts). */
export const tileServices = new WeakMap<object, TileService>();
