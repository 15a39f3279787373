/**
 * What a client asks of `/ows/{service}`, read without koa: the OGC KVP parameters (names are case-insensitive,
 * OGC 06-121r3 §11.5.2), the upstream URL the request goes to, and the layer it is about (for usage counts).
 *
 * The upstream URL is always built from the registered URL: its origin and path, its own query parameters
 * (which the client can neither override nor remove: `map=` of a MapServer is the admin's choice), then the
 * client's parameters as they were sent (raw, so their encoding is unchanged), without `key`.
 */

/** KVP parameters by upper-case name (the first value of each). */
export type Kvp = Map<string, string>;

/** The parameters of a raw query string by upper-case name. */
export function readKvp(querystring: string): Kvp {
  const out: Kvp = new Map();
  for (const [name, value] of new URLSearchParams(querystring)) {
    const upper = name.toUpperCase();
    if (!out.has(upper)) out.set(upper, value);
  }
  return out;
}

/** The decoded, lower-case name of one `name=value` part of a query string. */
function nameOf(part: string): string {
  const raw = part.split('=')[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** The client's raw query without the hub's own `key` parameter and without the names in `reserved` (lower case). */
export function forwardedQuery(querystring: string, reserved: Set<string> = new Set()): string {
  return querystring.split('&')
    .filter((part) => part !== '' && nameOf(part) !== 'key' && !reserved.has(nameOf(part)))
    .join('&');
}

/** The upstream URL of a KVP request: the registered URL with the client's parameters after its own. */
export function kvpTarget(registered: string, querystring: string): URL {
  const url = new URL(registered);
  const own = new Set([...url.searchParams.keys()].map((k) => k.toLowerCase()));
  const client = forwardedQuery(querystring, own);
  const base = url.search.replace(/^\?/, '').replace(/&+$/, '');
  url.search = [base, client].filter((s) => s !== '').join('&');
  return url;
}

/**
 * The upstream URL of a path under `/ows/{service}/-/`: the registered origin with that path (still
 * percent-encoded as received) and the client's query. The path is set on a URL of the registered origin, so
 * `//other.host/…` or `/..` can only ever name a path of that origin; upstream.ts checks the origin again, and
 * ows-paths.ts decides on the resulting path whether it may be asked for at all.
 */
export function pathTarget(registered: string, rawPath: string, querystring: string): URL {
  const url = new URL(new URL(registered).origin);
  url.pathname = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  url.search = forwardedQuery(querystring);
  return url;
}

/** Longest layer name counted in the usage statistics. */
const MAX_LAYER_LENGTH = 200;

/** The layer(s) a request is about: LAYERS (WMS), TYPENAMES / TYPENAME (WFS), LAYER (WMTS). */
export function layerOf(kvp: Kvp): string | undefined {
  const value = kvp.get('LAYERS') ?? kvp.get('TYPENAMES') ?? kvp.get('TYPENAME') ?? kvp.get('LAYER') ?? kvp.get('QUERY_LAYERS');
  return value ? value.slice(0, MAX_LAYER_LENGTH) : undefined;
}

/** The OGC dialect errors are reported in. */
export type OwsDialect = 'wms' | 'wfs' | 'wmts';

/** The dialect of a request: its SERVICE parameter, else the registered service's protocol, else WMS. */
export function dialectOf(kvp: Kvp, protocol?: string): OwsDialect {
  const service = (kvp.get('SERVICE') ?? '').toLowerCase();
  if (service === 'wms' || service === 'wfs' || service === 'wmts') return service;
  return protocol === 'wfs' || protocol === 'wmts' ? protocol : 'wms';
}
