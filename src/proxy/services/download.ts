/**
 * `/download/{service}/…`: the download proxy of INSPIRE Atom download services (protocol `atom-download`).
 *
 *   GET|HEAD /download/{service}           the service feed (the registered URL), rewritten to hub URLs
 *   GET|HEAD /download/{service}/-/{path}  a document or file at {path}?{query} on the registered origin, when
 *                                          the service's feeds point there (download-paths.ts): feeds and
 *                                          OpenSearch descriptions rewritten, files streamed (Range)
 *
 * The upstream URL is the registered origin with the request's path and query (never a host from the
 * request; upstream.ts refuses any other origin again). A `key` query parameter is removed before forwarding.
 * With `options.mirror: true` files are mirrored on disk (download-mirror.ts). Errors are JSON (errorJson).
 */
import path from 'node:path';
import { pipeline, Transform } from 'node:stream';
import type { Logger } from 'pino';
import type Koa from 'koa';
import type Router from '@koa/router';
import { toHubError } from '../../errors.ts';
import { forwardHeaders } from '../clients/upstream.ts';
import { admit, keyToCarry, stripKeyParam, type ProxyDeps } from '../gate.ts';
import { MirrorStore } from '../mirror/store.ts';
import { DownloadPaths } from './download-paths.ts';
import { mirrored, mirrors } from './download-mirror.ts';
import { respond, type DownloadResponse, type RespondContext } from './download-respond.ts';
import { withAccessKey } from './download-urls.ts';

const PROTOCOLS = ['atom-download' as const];
/** The part of a raw request path after `/download/{service}/-` (still percent-encoded). */
const UPSTREAM_PATH = /^\/download\/[^/]+\/-(\/.*)$/;

/** Mounts the download routes. */
export function downloadRoutes(router: Router, deps: ProxyDeps): void {
  const store = new MirrorStore(path.join(deps.dataDir, 'downloads'), deps.logger);
  const paths = new DownloadPaths(deps);
  const handler = (which: 'feed' | 'path'): Koa.Middleware => async (ctx) => {
    const rest = which === 'feed' ? null : (UPSTREAM_PATH.exec(ctx.path)?.[1] ?? '/');
    await serve(ctx, deps, store, paths, ctx.params.service, rest);
  };
  router.get('/download/:service', handler('feed'));
  router.get('/download/:service/-/', handler('path'));
  router.get('/download/:service/-/*path', handler('path'));
}

/** The query string forwarded upstream: the client's as it came, or without its `key` parameter. */
function forwardedQuery(raw: string): string {
  const q = new URLSearchParams(raw);
  return [...q.keys()].some((k) => k.toLowerCase() === 'key') ? stripKeyParam(q).toString() : raw;
}

async function serve(
  ctx: Koa.Context, deps: ProxyDeps, store: MirrorStore, paths: DownloadPaths, serviceId: string, rest: string | null,
): Promise<void> {
  let keyId: string | undefined;
  try {
    const req = { headers: ctx.headers, query: new URLSearchParams(ctx.querystring) };
    const admitted = await admit(deps, serviceId, PROTOCOLS, req);
    keyId = admitted.key?.id;
    const { service, upstream } = admitted;
    const queryKey = keyToCarry(admitted, req);
    const urls = queryKey ? withAccessKey(paths.urlsFor(admitted), queryKey) : paths.urlsFor(admitted);
    const target = rest === null ? urls.serviceUrl : urls.upstreamUrl(rest, forwardedQuery(ctx.querystring));
    // Only what the service's feeds point at (download-paths.ts), refused before anything leaves the hub.
    if (rest !== null) await paths.check(admitted, target);
    const mirror = mirrors(service.options);
    const c: RespondContext = {
      service, urls, head: ctx.method === 'HEAD',
      ...(mirror ? { onLink: (file) => store.announce(service.id, file) } : {}),
    };
    const forwarded = forwardHeaders(ctx.headers);
    const res = mirror && rest !== null
      ? await mirrored({ ...c, store, upstream, logger: deps.logger, forwarded, request: ctx.headers }, target)
      : await respond(c, await upstream.request({ url: target, method: c.head ? 'HEAD' : 'GET', headers: forwarded }));
    send(ctx, res, deps.logger, (bytes) => deps.usage.count({ service: service.id, layer: '', key: keyId, status: res.status, bytes }));
  } catch (err) {
    deps.usage.count({ service: serviceId, layer: '', key: keyId, status: toHubError(err).status, bytes: 0 });
    throw err;
  }
}

/**
 * Writes the answer; the body's bytes are counted as they go and reported once the response is over. Bodies
 * are piped here rather than by koa, so that a client leaving mid-download is a debug line, not an error on
 * stderr, and an upstream failing mid-body (size limit, reset) is logged with the service.
 */
function send(ctx: Koa.Context, res: DownloadResponse, logger: Logger, done: (bytes: number) => void): void {
  ctx.status = res.status;
  ctx.set(res.headers);
  if (!res.body) {
    ctx.res.once('close', () => done(0));
    // koa would otherwise turn a missing body into 204 or a text status message.
    if (ctx.method !== 'HEAD' && res.status !== 304) ctx.body = '';
    return;
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      bytes += chunk.length;
      next(null, chunk);
    },
  });
  ctx.respond = false;
  pipeline(res.body, counter, (err) => {
    if (!err) return;
    const clientGone = ctx.res.destroyed || (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (clientGone) logger.debug({ path: ctx.path, bytes }, 'client left during a download');
    else logger.warn({ path: ctx.path, bytes, err: (err as Error).message }, 'download interrupted');
    // Destroyed without an error: koa would report one on stderr as if the hub had failed.
    ctx.res.destroy();
  });
  counter.pipe(ctx.res);
  ctx.res.once('close', () => {
    done(bytes);
    if (!counter.destroyed) counter.destroy();
  });
}
