/**
 * The tile path before koa: a plain node:http handler that answers `GET|HEAD /tiles/{6 segments}` with the
 * same `handleTile` as the koa route (same admission, usage counting and errors) and counts the request in
 * the same Prometheus series as koa's metrics middleware; everything else falls through to koa. Koa's
 * middleware chain (context objects, router matching, error wrapper) costs more than serving a hot tile from
 * memory; the cached tile benchmark (bench/tiles.ts) runs through here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { HubMetrics } from '../../http/metrics.ts';
import { statusLabel } from '../../http/label-tree.ts';
import { TILE_ROUTE, type TileResponse, type TileService } from './tiles.ts';
import { hotHeaders, TILE_URL } from './tile-url.ts';

function write(res: ServerResponse, r: TileResponse): void {
  res.writeHead(r.status, r.headers);
  const body = r.body;
  if (body === null || typeof body === 'string' || Buffer.isBuffer(body)) {
    res.end(body ?? undefined);
    return;
  }
  // A cold large tile streamed from disk; the file is closed whether the client stays or goes.
  pipeline(body, res, () => {});
}

/** The label values of the tile route's request counter and durations, made once per method and status. */
const routeLabels = new Map<string, { route: readonly string[]; byStatus: Map<number, readonly string[]> }>();

function labelsFor(method: string): { route: readonly string[]; byStatus: Map<number, readonly string[]> } {
  let l = routeLabels.get(method);
  if (!l) routeLabels.set(method, (l = { route: [method, TILE_ROUTE], byStatus: new Map() }));
  return l;
}

/** Writes the answer and counts it as koa's metrics middleware counts its routes. */
function answer(res: ServerResponse, r: TileResponse, method: string, started: number, metrics?: HubMetrics): void {
  write(res, r);
  if (!metrics) return;
  const l = labelsFor(method);
  let counted = l.byStatus.get(r.status);
  if (!counted) l.byStatus.set(r.status, (counted = [method, TILE_ROUTE, statusLabel(r.status)]));
  metrics.httpDuration.observe(l.route, (performance.now() - started) / 1000);
  metrics.httpRequestsTally.add(counted);
}

/** Wraps koa's callback with the tile fast path. */
export function withTileFastPath(
  tiles: TileService | undefined, koa: (req: IncomingMessage, res: ServerResponse) => unknown, metrics?: HubMetrics,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!tiles) return (req, res) => void koa(req, res);
  return (req, res) => {
    const url = req.url ?? '/';
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !TILE_URL.test(url)) {
      void koa(req, res);
      return;
    }
    const started = performance.now();
    const q = url.indexOf('?');
    const path = url.slice('/tiles/'.length, q < 0 ? undefined : q);
    // A hot tile is answered in this turn of the event loop, without a promise (nor a closure).
    const hot = q < 0 ? tiles.hotTile({ method: req.method, path, headers: hotHeaders(req.rawHeaders) }) : undefined;
    if (hot) {
      answer(res, hot, req.method!, started, metrics);
      return;
    }
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    tiles.handleTile({ method: req.method, path, query, headers: req.headers }).then((r) => answer(res, r, req.method!, started, metrics), (err: unknown) => {
      // handleTile renders its own errors; reaching here is a bug, answered like koa would.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal', status: 500, message: String((err as Error)?.message ?? err) }));
    });
  };
}
