/**
 * The tile path before koa: a plain node:http handler that answers `GET|HEAD /tiles/{6 segments}` with the
 * same `handleTile` as the koa route (same admission, usage counting and errors) and counts the request in
 * the same Prometheus series as koa's metrics middleware; everything else falls through to koa. Koa's
 * middleware chain (context objects, router matching, error wrapper) costs more than serving a hot tile from
 * memory; the cached tile benchmark (bench/tiles.ts) runs through here.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { HubMetrics } from '../../http/metrics.ts';
import { HOT_TILE_HEADERS, TILE_ROUTE, type TileResponse, type TileService } from './tiles.ts';

/** /tiles/ followed by exactly six segments; capabilities and the rest go to koa. */
const TILE_URL = /^\/tiles\/([^/?#]+\/){5}[^/?#]+(\?|$)/;

const WANTED = new Set(HOT_TILE_HEADERS);
const [SHORTEST, LONGEST] = [Math.min(...HOT_TILE_HEADERS.map((h) => h.length)), Math.max(...HOT_TILE_HEADERS.map((h) => h.length))];

/**
 * The headers hotTile reads, found in the raw header list. Node builds `req.headers` on first access, every
 * header lower-cased and merged: a browser's dozen cost the hot path about a tenth of its throughput
 * (bench/tiles with a browser's headers). Repeated headers as node merges them: If-None-Match joined with
 * ", ", the others first one kept (their mere presence is what counts for credentials).
 */
function hotHeaders(raw: string[]): IncomingHttpHeaders {
  const out: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const length = raw[i].length;
    if (length < SHORTEST || length > LONGEST) continue;
    const name = raw[i].toLowerCase();
    if (!WANTED.has(name)) continue;
    const seen = out[name];
    if (seen === undefined) out[name] = raw[i + 1];
    else if (name === 'if-none-match') out[name] = `${seen}, ${raw[i + 1]}`;
  }
  return out;
}

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
    // A hot tile is answered in this turn of the event loop, without a promise.
    const answer = (r: TileResponse) => {
      write(res, r);
      if (metrics) {
        metrics.httpDuration.observe([req.method!, TILE_ROUTE], (performance.now() - started) / 1000);
        metrics.httpRequestsTally.add([req.method!, TILE_ROUTE, String(r.status)]);
      }
    };
    const hot = q < 0 ? tiles.hotTile({ method: req.method, path, headers: hotHeaders(req.rawHeaders) }) : undefined;
    if (hot) return answer(hot);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    tiles.handleTile({ method: req.method, path, query, headers: req.headers }).then(answer, (err: unknown) => {
      // handleTile renders its own errors; reaching here is a bug, answered like koa would.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal', status: 500, message: String((err as Error)?.message ?? err) }));
    });
  };
}
