/**
 * The tile cache in front of a tile source (STYLE.md §12: a cache wraps a source): hot tiles in memory (an LRU
 * bounded in bytes, their response headers precomputed), every tile on disk (tile-file.ts), one upstream fetch
 * per missing or expired tile however many clients ask at once (SingleFlight), conditional revalidation of
 * expired tiles, stale tiles served when the upstream fails, and a short negative cache for tiles the upstream
 * does not have (404, 204 or an empty body: they may appear later, so never cached for long).
 */
import { LRUCache } from 'lru-cache';
import { HubError } from '../../errors.ts';
import { SingleFlight } from './single-flight.ts';
import { etagOf, readTile, removeTile, tilePath, touchTile, writeTile, type DiskTile, type TileMeta } from './tile-file.ts';

export interface TilePolicy {
  maxAgeSeconds: number;
  staleIfError: boolean;
  /** false: nothing is kept (the service's `cache.tiles`), requests still share one upstream fetch. */
  store: boolean;
}

/** What a tile source answers: the tile, "not modified" (to a conditional request), or "no tile here". */
export type FetchOutcome =
  | { status: 200; body: Buffer; contentType: string; etag?: string; lastModified?: string }
  | { status: 304 }
  | { status: 404 };

export type TileFetcher = (validators: { etag?: string; lastModified?: string } | null) => Promise<FetchOutcome>;

/** A tile ready to send: bytes in memory, or (large tiles) a file to stream. */
export interface ServedTile {
  meta: TileMeta;
  fetchedAt: number;
  size: number;
  body: Buffer | null;
  /** The cache file, streamed when `body` is null. */
  file: string;
  /** Served past its freshness because the upstream failed. */
  stale: boolean;
  /** content-type, content-length, etag, last-modified. */
  headers: Record<string, string>;
  /** While stale: when the upstream may be asked again (ms since the epoch). */
  retryAt?: number;
  /** The last full response headers built for this tile (services/tiles.ts), reused while Cache-Control is the same. */
  memo?: { cacheControl: string; headers: Record<string, string> };
}

export interface TileCacheOptions {
  /** Root folder of the disk cache (`<DATA_DIR>/tiles`). */
  root: string;
  /** Memory for hot tiles, in bytes (default 64 MB). */
  memoryBytes?: number;
  /** Tiles larger than this are streamed from disk rather than kept in memory (default 512 KB). */
  bufferLimit?: number;
  /** How long "the upstream has no such tile" is remembered (default 60 s). */
  negativeTtlMs?: number;
  /** How long a stale tile is served before the upstream is tried again (default 30 s). */
  retryAfterFailureMs?: number;
  /** Told about disk write failures (the tile is served anyway). */
  onWriteError?: (err: unknown, key: string) => void;
}

function headersOf(meta: TileMeta, size: number): Record<string, string> {
  return { 'content-type': meta.contentType, 'content-length': String(size), etag: meta.etag, 'last-modified': meta.lastModified };
}

export class TileCache {
  readonly root: string;
  private readonly memory: LRUCache<string, ServedTile>;
  private readonly missing: LRUCache<string, true>;
  private readonly flights = new SingleFlight<ServedTile>();
  private readonly bufferLimit: number;
  private readonly retryAfterFailureMs: number;

  constructor(private readonly opts: TileCacheOptions) {
    this.root = opts.root;
    this.bufferLimit = opts.bufferLimit ?? 512 * 1024;
    this.retryAfterFailureMs = opts.retryAfterFailureMs ?? 30_000;
    this.memory = new LRUCache<string, ServedTile>({
      maxSize: opts.memoryBytes ?? 64 * 1024 * 1024,
      // The body plus a rough allowance for the key, the headers and the object itself.
      sizeCalculation: (t) => (t.body?.length ?? 0) + 512,
    });
    this.missing = new LRUCache<string, true>({ max: 100_000, ttl: opts.negativeTtlMs ?? 60_000 });
  }

  /** A tile in memory that may be served now without any I/O (fresh, or stale while the upstream is down). */
  peek(key: string, maxAgeSeconds: number, now = Date.now()): ServedTile | undefined {
    const t = this.memory.get(key);
    if (!t) return undefined;
    if (t.stale) return t.retryAt !== undefined && now < t.retryAt ? t : undefined;
    return now - t.fetchedAt < maxAgeSeconds * 1000 ? t : undefined;
  }

  /** Number of tile fetches in progress. */
  get inFlight(): number {
    return this.flights.size;
  }

  /** The tile, from memory, disk or the upstream; throws HubError not_found when the upstream has none. */
  async get(key: string, policy: TilePolicy, fetcher: TileFetcher): Promise<ServedTile> {
    const hot = this.peek(key, policy.maxAgeSeconds);
    if (hot) return hot;
    if (this.missing.has(key)) throw notFound(key);
    return this.flights.run(key, () => this.fill(key, policy, fetcher));
  }

  /** Forgets a tile in memory (the disk copy stays); used when a service definition changes. */
  forget(key: string): void {
    this.memory.delete(key);
    this.missing.delete(key);
  }

  private async fill(key: string, policy: TilePolicy, fetcher: TileFetcher): Promise<ServedTile> {
    const file = tilePath(this.root, key);
    const disk = policy.store ? await readTile(file, this.bufferLimit) : null;
    if (disk && Date.now() - disk.fetchedAt < policy.maxAgeSeconds * 1000) return this.remember(key, file, disk);
    let outcome: FetchOutcome;
    try {
      outcome = await fetcher(disk ? { etag: disk.meta.upstreamEtag, lastModified: disk.meta.upstreamLastModified } : null);
    } catch (err) {
      if (!disk || !policy.staleIfError) throw err;
      return this.remember(key, file, disk, Date.now() + this.retryAfterFailureMs);
    }
    if (outcome.status === 304) {
      if (!disk) throw new HubError('upstream_unavailable', `The upstream answered 304 to an unconditional request for tile ${key}.`);
      const at = new Date();
      await touchTile(file, at).catch((err) => this.opts.onWriteError?.(err, key));
      return this.remember(key, file, { ...disk, fetchedAt: at.getTime() });
    }
    if (outcome.status === 404) {
      this.missing.set(key, true);
      this.memory.delete(key);
      if (disk) await removeTile(file).catch(() => {});
      throw notFound(key);
    }
    return this.store(key, file, policy, outcome);
  }

  private async store(key: string, file: string, policy: TilePolicy, t: Extract<FetchOutcome, { status: 200 }>): Promise<ServedTile> {
    const now = Date.now();
    const meta: TileMeta = {
      etag: etagOf(t.body),
      lastModified: t.lastModified && !Number.isNaN(Date.parse(t.lastModified)) ? new Date(t.lastModified).toUTCString() : new Date(now).toUTCString(),
      contentType: t.contentType,
      ...(t.etag ? { upstreamEtag: t.etag } : {}),
      ...(t.lastModified ? { upstreamLastModified: t.lastModified } : {}),
    };
    const tile: DiskTile = { meta, fetchedAt: now, size: t.body.length, body: t.body };
    if (!policy.store) return served(file, tile);
    await writeTile(file, meta, t.body).catch((err) => this.opts.onWriteError?.(err, key));
    // A tile too large for memory is streamed from its file from now on.
    return this.remember(key, file, t.body.length <= this.bufferLimit ? tile : { ...tile, body: null });
  }

  private remember(key: string, file: string, tile: DiskTile, retryAt?: number): ServedTile {
    const s = served(file, tile, retryAt);
    if (s.body) this.memory.set(key, s);
    return s;
  }
}

function served(file: string, tile: DiskTile, retryAt?: number): ServedTile {
  return { ...tile, file, stale: retryAt !== undefined, headers: headersOf(tile.meta, tile.size), ...(retryAt !== undefined ? { retryAt } : {}) };
}

function notFound(key: string): HubError {
  return new HubError('tile_not_found', `The upstream has no tile ${key}.`, { locator: key });
}
