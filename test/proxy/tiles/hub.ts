/**
 * A hub for the tile tests: the real koa app of createApp behind the same node:http fast path as
 * src/server.ts, on a free loopback port, with its tile cache in a temporary DATA_DIR.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../../src/http/app.ts';
import { createMetrics, type HubMetrics } from '../../../src/http/metrics.ts';
import { createUsageRecorder, type UsageRecorder } from '../../../src/proxy/usage.ts';
import { tileServices, type TileService } from '../../../src/proxy/services/tiles.ts';
import { withTileFastPath } from '../../../src/proxy/services/tiles-fast.ts';
import { forgetProxyCaches } from '../../../src/proxy/gate.ts';
import type { Db } from '../../../src/store/db.ts';
import type { ServiceDef } from '../../../src/store/services.ts';
import { freePort } from '../../helpers/mapproxy.ts';

export interface TileHub {
  url: string;
  dataDir: string;
  tiles: TileService;
  usage: UsageRecorder;
  metrics: HubMetrics;
  /** What the hub's server answers with (the front processes' relay answers with it too). */
  listener: RequestListener;
  close(): Promise<void>;
}

export const BASE_URL = 'https://hub.example.fr';

/**
 * Starts a hub on `db`; `dataDir` reuses a cache folder (a restart), otherwise a fresh one is made. With
 * `selfBaseUrl` the hub's BASE_URL is its own address, so that clients can follow the URLs it publishes.
 */
export async function startTileHub(db: Db, opts: { dataDir?: string; selfBaseUrl?: boolean } = {}): Promise<TileHub> {
  const dataDir = opts.dataDir ?? await mkdtemp(path.join(tmpdir(), 'moisson-tiles-'));
  const port = opts.selfBaseUrl ? await freePort() : 0;
  const baseUrl = opts.selfBaseUrl ? `http://127.0.0.1:${port}` : BASE_URL;
  const metrics = createMetrics({ defaultMetrics: false });
  const usage = createUsageRecorder(db, metrics, 60_000);
  const app = createApp({ db, config: { baseUrl }, logger: pino({ level: 'silent' }), metrics, dataDir, usage });
  const tiles = tileServices.get(app)!;
  const listener = withTileFastPath(tiles, app.callback(), metrics);
  const server: Server = createServer(listener);
  server.maxConnections = 5000;
  await new Promise<void>((resolve) => server.listen({ port, host: '127.0.0.1', backlog: 4096 }, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, dataDir, tiles, usage, metrics, listener,
    async close() {
      await usage.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      forgetProxyCaches(db);
    },
  };
}

/** A tile service definition with the defaults the schema fills, short limits for tests. */
export function tileService(id: string, url: string, over: Partial<ServiceDef> = {}): ServiceDef {
  return {
    id, protocol: 'xyz', url, enabled: true, access: 'public',
    politeness: { concurrency: 4, timeoutMs: 2000, maxBytes: 5_000_000 },
    cache: { tiles: true, maxAgeSeconds: 86400, staleIfError: true, seeding: true },
    layers: [{ id: 'plan', title: 'Plan', template: '{z}/{x}/{y}.png', format: 'image/png', minZoom: 0, maxZoom: 12 }],
    ...over,
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
