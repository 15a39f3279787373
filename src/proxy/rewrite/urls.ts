/**
 * Which URLs of an upstream document are the upstream's, and what they become on the hub.
 *
 * A URL is the upstream's when its host is the registered one (case-insensitive) and its port is the registered
 * port, or both are their scheme's default port: capabilities often name the service with the other scheme
 * (`http://` in an `https://` service) or spell the default port (`https://host:443/…`).
 *
 * Mapping (README, `/ows/{service}`):
 * - the registered endpoint (same path) → the hub's KVP endpoint `<base>/ows/<id>?…`, the query kept as written
 *   (minus the parameters of the registered URL itself, which the hub adds back upstream);
 * - any other path on the origin (legends, WMTS REST templates, schemas) → `<base>/ows/<id>/-/<path>?<query>`;
 * - an operation endpoint (DCP) on another host → the hub's KVP endpoint too: it is the service's own address
 *   under another name (ArcGIS Server announcing its internal host name, for instance);
 * - any other URL on another host (a catalogue's MetadataURL, the provider's web site) stays as it is: the hub
 *   reaches registered origins only, and such links are for the reader, not for the GIS client.
 *
 * Every upstream path sent under `/-/` is told to the context's `seen` (the capabilities rewriter records them:
 * paths.ts), since `/-/` forwards only what the hub's documents point at.
 *
 * Templates (`{TileMatrix}`…) are rewritten as text: the path and query are copied verbatim, never through
 * `URL`, which would percent-encode the braces.
 */

/** What a rewriter needs to know about the service and the request being answered. */
export interface RewriteContext {
  /** The registered upstream URL. */
  upstream: string;
  /** The hub's public base URL (BASE_URL), without trailing slash. */
  hubBase: string;
  serviceId: string;
  /** The access key the client passed as a query parameter: carried into every hub URL. */
  key?: string;
  /** Told the upstream path (verbatim) of every URL rewritten under `/-/` (paths.ts records them). */
  seen?: (upstreamPath: string) => void;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
/** scheme://authority, then the rest (path, query, fragment) untouched. */
const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\/([^/?#]*)(.*)$/s;

interface Split { protocol: string; hostname: string; port: string; rest: string }

function effectivePort(protocol: string, port: string): string {
  return port || DEFAULT_PORTS[protocol] || '';
}

/** Splits an absolute http(s) URL into its normalised authority and its verbatim rest; undefined otherwise. */
function split(raw: string): Split | undefined {
  const m = ABSOLUTE.exec(raw.trim());
  if (!m || !(m[1].toLowerCase() in DEFAULT_PORTS) || m[2].includes('@')) return undefined;
  try {
    // The authority only goes through URL (lower case, IDN, default port), never the rest.
    const u = new URL(`${m[1]}//${m[2]}/`);
    return { protocol: u.protocol, hostname: u.hostname, port: effectivePort(u.protocol, u.port), rest: m[3] };
  } catch {
    return undefined;
  }
}

/** Parameter names of a query string, lower case (OGC KVP names are case-insensitive). */
function paramNames(query: string): Set<string> {
  return new Set([...new URLSearchParams(query).keys()].map((k) => k.toLowerCase()));
}

function paramName(part: string): string {
  const name = part.split('=')[0];
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/** Turns upstream URLs into hub URLs for one service and one request. */
export class UrlRewriter {
  readonly endpoint: string;
  private readonly origin: Split;
  private readonly path: string;
  private readonly registeredParams: Set<string>;
  private readonly keyParam: string;

  constructor(private readonly ctx: RewriteContext) {
    const u = new URL(ctx.upstream);
    const origin = split(u.href);
    if (!origin) throw new Error(`UrlRewriter: the registered URL ${ctx.upstream} is not an http(s) URL`);
    this.origin = origin;
    this.path = normalisePath(u.pathname);
    this.registeredParams = paramNames(u.search);
    this.endpoint = `${ctx.hubBase.replace(/\/+$/, '')}/ows/${encodeURIComponent(ctx.serviceId)}`;
    this.keyParam = ctx.key ? `key=${encodeURIComponent(ctx.key)}` : '';
  }

  /** The same rewriter, telling `seen` the upstream path of every URL it sends under `/-/`. */
  reporting(seen: (upstreamPath: string) => void): UrlRewriter {
    return new UrlRewriter({ ...this.ctx, seen });
  }

  /** True when `raw` is an absolute URL on the registered origin (or one of its spellings). */
  isUpstream(raw: string): boolean {
    return this.sameOrigin(split(raw));
  }

  /** The hub URL for an upstream URL, or undefined when `raw` is not on the upstream's origin. */
  rewrite(raw: string): string | undefined {
    const s = split(raw);
    if (!this.sameOrigin(s)) return undefined;
    const { path, query, fragment } = parts(s!.rest);
    if (normalisePath(path) === this.path) return this.kvp(query, fragment);
    const upstreamPath = path.startsWith('/') ? path : `/${path}`;
    this.ctx.seen?.(upstreamPath);
    return `${this.endpoint}/-${upstreamPath}${this.withKey(query)}${fragment}`;
  }

  /** An operation endpoint (DCP): the hub's URL for it whatever its host (see the module comment). */
  rewriteEndpoint(raw: string): string {
    const onOrigin = this.rewrite(raw);
    if (onOrigin !== undefined) return onOrigin;
    const s = split(raw);
    if (!s) return raw;
    const { query, fragment } = parts(s.rest);
    return this.kvp(query, fragment);
  }

  /** The KVP endpoint with the query kept in its `?…&` form, the registered URL's own parameters left out. */
  private kvp(query: string | undefined, fragment: string): string {
    if (query === undefined) return this.keyParam ? `${this.endpoint}?${this.keyParam}${fragment}` : `${this.endpoint}${fragment}`;
    const trailing = query.endsWith('&');
    const kept = query.split('&').filter((p) => p !== '' && !this.registeredParams.has(paramName(p)) && paramName(p) !== 'key');
    const params = this.keyParam ? [this.keyParam, ...kept] : kept;
    const tail = params.length > 0 && (trailing || kept.length === 0) ? '&' : '';
    return `${this.endpoint}?${params.join('&')}${tail}${fragment}`;
  }

  /** The query with the access key in front (it never holds one from upstream: key is the hub's parameter). */
  private withKey(query: string | undefined): string {
    if (!this.keyParam) return query === undefined ? '' : `?${query}`;
    return query === undefined || query === '' ? `?${this.keyParam}` : `?${this.keyParam}&${query}`;
  }

  private sameOrigin(s: Split | undefined): boolean {
    if (!s || s.hostname !== this.origin.hostname) return false;
    if (s.port === this.origin.port) return true;
    // http vs https spellings of a service on default ports.
    return s.port === DEFAULT_PORTS[s.protocol] && this.origin.port === DEFAULT_PORTS[this.origin.protocol];
  }
}

/** Path, query (undefined without `?`) and fragment (with its `#`) of the rest of a URL. */
function parts(rest: string): { path: string; query?: string; fragment: string } {
  const hash = rest.indexOf('#');
  const fragment = hash >= 0 ? rest.slice(hash) : '';
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const q = beforeHash.indexOf('?');
  return q >= 0 ? { path: beforeHash.slice(0, q), query: beforeHash.slice(q + 1), fragment } : { path: beforeHash, fragment };
}

/** `/a/b/` and `/a/b` are the same endpoint; the empty path is `/`. */
function normalisePath(path: string): string {
  const p = path === '' ? '/' : path;
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
