/**
 * What the hub's hot tile paths read of a request, with nothing else loaded: the fast path of the hub process
 * (tiles-fast.ts, tiles.ts) and the front processes (src/http/front/), which must not load the store or the
 * proxy to answer a cached tile.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The header that carries an access key (gate.ts). */
export const KEY_HEADER = 'x-moisson-key';

/** /tiles/ followed by exactly six segments; capabilities and the rest go elsewhere. */
export const TILE_URL = /^\/tiles\/([^/?#]+\/){5}[^/?#]+(\?|$)/;

/** The request headers a hot tile path reads (lower case): credentials send a request the long way, validators give 304. */
export const HOT_TILE_HEADERS: readonly string[] = [KEY_HEADER, 'authorization', 'if-none-match', 'if-modified-since'];

const WANTED = new Set(HOT_TILE_HEADERS);
const [SHORTEST, LONGEST] = [Math.min(...HOT_TILE_HEADERS.map((h) => h.length)), Math.max(...HOT_TILE_HEADERS.map((h) => h.length))];

/**
 * The headers of HOT_TILE_HEADERS, found in the raw header list. Node builds `req.headers` on first access, every
 * header lower-cased and merged: a browser's dozen cost the hot path about a tenth of its throughput
 * (bench/tiles with a browser's headers). Repeated headers as node merges them: If-None-Match joined with
 * ", ", the others first one kept (their mere presence is what counts for credentials).
 */
export function hotHeaders(raw: string[]): IncomingHttpHeaders {
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

/** Whether a request carries credentials: such a request is admitted the long way, never from a hot cache. */
export function hasCredentials(headers: IncomingHttpHeaders): boolean {
  return headers[KEY_HEADER] !== undefined || headers.authorization !== undefined;
}

/** If-None-Match (weak comparison, RFC 7232 §3.2) first, If-Modified-Since only without it. */
export function notModifiedSince(headers: IncomingHttpHeaders, etag: string, lastModified: string): boolean {
  const inm = headers['if-none-match'];
  if (inm) return inm.trim() === '*' || inm.split(',').some((e) => e.trim().replace(/^W\//, '') === etag);
  const ims = headers['if-modified-since'];
  if (!ims) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Date.parse(lastModified) <= since;
}
