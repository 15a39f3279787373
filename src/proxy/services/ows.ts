/**
 * `/ows/{service}`: the OGC pass-through for registered WMS (1.3.0), WFS (2.0.0) and WMTS (1.0.0) services.
 *
 *   GET  /ows/{service}?<KVP>          forwarded to the registered URL (its own parameters first, the client's
 *                                      after them, `key` removed); capabilities rewritten to hub URLs
 *   POST /ows/{service}                XML requests (WFS GetFeature, WMS POST), body up to 2 MB
 *   GET  /ows/{service}/-/<path>?<q>   another path of the registered origin that the service's documents point
 *                                      at: WMTS REST tiles and WMTSCapabilities.xml, legends, styles, schemas
 *
 * Every request goes through admit() (gate.ts) first and reaches only the registered origin (upstream.ts).
 * Errors are OGC exception reports in the request's dialect (ows-exception.ts).
 *
 * `/-/` is not an open door to the origin: the registered URL carries the hub's upstream credentials
 * (`upstreamHeaders`), and the same host often serves other APIs. A path is forwarded only when it lies under
 *   (a) the directory of the registered URL's path (up to and including its last `/`: `/wmts/1.0.0/` for
 *       `/wmts/1.0.0/WMTSCapabilities.xml`), or
 *   (b) the directory of an upstream URL that the hub rewrote to a `/-/` URL in the service's capabilities (up to
 *       the last `/` before the first `{` of a template, up to the last `/` of a plain URL), recorded in memory
 *       per service id and registered URL, at most 1,000 per service (rewrite/paths.ts);
 * except that a path in the root directory (`/wmts`, `/geoserver`) opens only itself and its subtree, not the
 * whole origin, and a template whose fixed part is `/` (a host given to its tiles) opens the root (allowedBy);
 * compared case-sensitively on the path as it is sent upstream (WHATWG-parsed: dot segments resolved), in two
 * readings that must both lie under an allowed directory: segment by segment, each percent-decoded with an
 * encoded `/` kept inside its segment (so `%2F` never widens a directory), and decoded whole, `/` and `\` as
 * separators, slashes merged, dot segments (`..`, `..;x`) resolved again (so a decoded `..` never leaves one).
 * A path outside them, while this process has not read the service's capabilities, has them read once first
 * (GetCapabilities on the registered URL, ows-paths.ts). Still outside: 403 in the request's dialect, and the
 * path is never requested upstream.
 */
import type Koa from 'koa';
import type Router from '@koa/router';
import { HubError, toHubError } from '../../errors.ts';
import { throttledWarn } from '../../logger.ts';
import { forwardHeaders, type UpstreamResponse } from '../clients/upstream.ts';
import { admit, keyToCarry, type Admitted, type ProxyDeps } from '../gate.ts';
import { UrlRewriter } from '../rewrite/urls.ts';
import { EXCEPTION_MEDIA_TYPE, renderException } from './ows-exception.ts';
import { OwsPaths } from './ows-paths.ts';
import { dialectOf, kvpTarget, layerOf, pathTarget, readKvp, type Kvp } from './ows-request.ts';
import { relay } from './ows-response.ts';
import { countOnClose } from './ows-usage.ts';

const PROTOCOLS = ['wms' as const, 'wfs' as const, 'wmts' as const];
/** Largest XML request body forwarded (a GetFeature with a big filter is a few KB). */
const MAX_POST_BYTES = 2 * 1024 * 1024;
/** The part of a raw request path after `/ows/{service}/-` (still percent-encoded). */
const UPSTREAM_PATH = /^\/ows\/[^/]+\/-(\/.*)$/;

/** The upstream URL of a request; throws a HubError when it may not be reached. */
type Target = (admitted: Admitted) => URL | Promise<URL>;

/** Mounts the /ows routes. */
export function owsRoutes(router: Router, deps: ProxyDeps): void {
  const paths = new OwsPaths(deps);
  const warn = throttledWarn(deps.logger);
  const byKvp = (ctx: Koa.Context) => serve(ctx, deps, warn, paths, (a) => kvpTarget(a.service.url, ctx.querystring));
  const byPath = (ctx: Koa.Context) => serve(ctx, deps, warn, paths, async (a) => {
    const url = pathTarget(a.service.url, UPSTREAM_PATH.exec(ctx.path)?.[1] ?? '/', ctx.querystring);
    await paths.check(a, url);
    return url;
  });
  router.get('/ows/:service', byKvp);
  router.post('/ows/:service', byKvp);
  router.get('/ows/:service/-/', byPath);
  router.get('/ows/:service/-/*path', byPath);
}

async function serve(ctx: Koa.Context, deps: ProxyDeps, warn: ReturnType<typeof throttledWarn>, paths: OwsPaths, target: Target): Promise<void> {
  const kvp = readKvp(ctx.querystring);
  const serviceId = ctx.params.service;
  let admitted: Admitted | undefined;
  try {
    const req = { headers: ctx.headers, query: new URLSearchParams(ctx.querystring) };
    admitted = await admit(deps, serviceId, PROTOCOLS, req);
    const res = await forward(ctx, admitted, await target(admitted));
    const relayed = await relay(res, {
      rw: rewriterFor(deps, admitted, keyToCarry(admitted, req)),
      accepts: (encoding) => ctx.acceptsEncodings(encoding, 'identity') === encoding,
      maxBytes: admitted.service.politeness.maxBytes,
      head: ctx.method === 'HEAD',
      expectXml: kvp.get('REQUEST')?.toLowerCase() === 'getcapabilities' || /\.xml$/i.test(ctx.path),
      paths: paths.documents.recorder(admitted.service.id, admitted.service.url),
    });
    ctx.status = relayed.status;
    ctx.set(relayed.headers);
    const body = countOnClose(relayed.body, (bytes) => count(deps, admitted!, kvp, relayed.status, bytes));
    // No body (HEAD, 304): left unset, since koa turns an explicit null body into a 204.
    if (body !== null) ctx.body = body;
  } catch (err) {
    const hubErr = toHubError(err);
    if (hubErr.status >= 500) warn(`${serviceId}\0${hubErr.code}`, { err, service: serviceId, code: hubErr.code }, 'ows proxy request failed');
    renderError(ctx, hubErr, dialectOf(kvp, admitted?.service.protocol));
    // Refused credentials are counted too (the service exists); unknown service ids are not (unbounded labels).
    if (admitted || hubErr.status === 401 || hubErr.status === 403) {
      deps.usage.count({ service: admitted?.service.id ?? serviceId, layer: layerOf(kvp), key: admitted?.key?.id, status: hubErr.status, bytes: 0 });
    }
  }
}

/** Sends the request upstream; a client that goes away cancels it. */
async function forward(ctx: Koa.Context, admitted: Admitted, url: URL): Promise<UpstreamResponse> {
  const controller = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) controller.abort();
  });
  const post = ctx.method === 'POST';
  return admitted.upstream.request({
    url,
    method: post ? 'POST' : ctx.method === 'HEAD' ? 'HEAD' : 'GET',
    headers: forwardHeaders(ctx.headers),
    ...(post ? { body: await readBody(ctx) } : {}),
    signal: controller.signal,
  });
}

/** The request body, refused beyond MAX_POST_BYTES without reading the rest. */
async function readBody(ctx: Koa.Context): Promise<Buffer> {
  const tooLarge = () => new HubError('payload_too_large', `Request body larger than ${MAX_POST_BYTES} bytes.`);
  if (Number(ctx.get('content-length') || 0) > MAX_POST_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_POST_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Hub URLs for this request: the key goes into them only when the client sent it as a query parameter. */
function rewriterFor(deps: ProxyDeps, admitted: Admitted, key: string | undefined): UrlRewriter {
  return new UrlRewriter({ upstream: admitted.service.url, hubBase: deps.baseUrl, serviceId: admitted.service.id, key });
}

function renderError(ctx: Koa.Context, err: HubError, dialect: ReturnType<typeof dialectOf>): void {
  ctx.status = err.status;
  if (err.headers) ctx.set(err.headers);
  ctx.set('cache-control', 'no-store');
  ctx.type = EXCEPTION_MEDIA_TYPE;
  ctx.body = renderException(err, dialect);
}

function count(deps: ProxyDeps, admitted: Admitted, kvp: Kvp, status: number, bytes: number): void {
  deps.usage.count({ service: admitted.service.id, layer: layerOf(kvp), key: admitted.key?.id, status, bytes });
}
