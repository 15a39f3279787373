/**
 * An upstream answer of a download service turned into the hub's answer: statuses mapped, the headers a
 * download needs passed on, feeds rewritten (download-feed.ts), everything else streamed as received.
 *
 * Passed on: Content-Type, Content-Length, Content-Range, Accept-Ranges, Content-Disposition, ETag,
 * Last-Modified, Content-Encoding, Cache-Control, Expires. A Range the upstream honours comes back as its 206
 * with Content-Range; one it ignores comes back as its 200, streamed (never buffered to cut the range out).
 * A rewritten feed has no Content-Length (its length changes) and a weak ETag (same content, other bytes).
 */
import type { Readable } from 'node:stream';
import { HubError } from '../../errors.ts';
import { decodedBody, type UpstreamResponse } from '../clients/upstream.ts';
import type { ServiceDef } from '../../store/services.ts';
import { FeedRewriter, type AnnouncedFile, type FeedMode } from './download-feed.ts';
import type { DownloadUrls } from './download-urls.ts';

export interface DownloadResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD, 304 and other answers without a body. */
  body?: Readable;
}

export interface RespondContext {
  service: ServiceDef;
  urls: DownloadUrls;
  head: boolean;
  /** Told about every file a rewritten feed links (the mirror verifies copies with it). */
  onLink?: (file: AnnouncedFile) => void;
}

const PASSED = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'content-disposition', 'etag',
  'last-modified', 'content-encoding', 'cache-control', 'expires'];
/** Media types that are feeds (or OpenSearch descriptions) whatever their root. */
const FEED_TYPES = new Set(['application/atom+xml', 'application/opensearchdescription+xml']);
/** Upstream statuses passed to the client as they are. */
const PASSED_STATUSES = new Set([200, 203, 204, 206, 304, 416]);

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(contentType: unknown): string {
  return String(contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Whether an answer may be a feed to rewrite: Atom / OpenSearch types, or XML whose root will tell. */
export function mayBeFeed(contentType: unknown): boolean {
  const t = mediaTypeOf(contentType);
  return FEED_TYPES.has(t) || t === 'application/xml' || t === 'text/xml' || t.endsWith('+xml');
}

/** The headers of an upstream answer the hub passes on. */
export function passedHeaders(res: UpstreamResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED) {
    const v = res.headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Refuses upstream statuses that are not for the client to see as such; the body is released. */
export function checkStatus(service: ServiceDef, res: UpstreamResponse): void {
  if (PASSED_STATUSES.has(res.status)) return;
  (res.body as unknown as Readable).destroy();
  const where = `${res.url.pathname}${res.url.search}`;
  const details = { service: service.id, host: res.url.host, status: res.status };
  if (res.status === 404 || res.status === 410) {
    throw new HubError('not_found', `Service "${service.id}": the upstream ${res.url.host} has nothing at ${where} (HTTP ${res.status}).`,
      { locator: where, details });
  }
  throw new HubError('upstream_unavailable',
    `Service "${service.id}": the upstream ${res.url.host} answered HTTP ${res.status} for ${where}.`, { locator: where, details });
}

/** The hub's answer for an upstream answer (status already checked or not: checked here). */
export async function respond(c: RespondContext, res: UpstreamResponse): Promise<DownloadResponse> {
  checkStatus(c.service, res);
  const headers = passedHeaders(res);
  const body = res.body as unknown as Readable;
  if (c.head || res.status === 304 || res.status === 204) {
    body.destroy();
    if (c.head && FEED_TYPES.has(mediaTypeOf(headers['content-type']))) delete headers['content-length'];
    return { status: res.status, headers };
  }
  if (res.status === 200 && mayBeFeed(headers['content-type'])) return rewriteFeed(c, res, headers);
  return { status: res.status, headers, body };
}

/** Rewrites a feed while streaming it; XML that turns out not to be a feed goes through unchanged. */
async function rewriteFeed(c: RespondContext, res: UpstreamResponse, headers: Record<string, string>): Promise<DownloadResponse> {
  const encoded = headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
  const source = encoded ? decodedBody(res, c.service.politeness.maxBytes) : (res.body as unknown as Readable);
  const rewriter = new FeedRewriter({ urls: c.urls, documentUrl: res.url, onLink: c.onLink });
  source.on('error', (err) => rewriter.destroy(err));
  rewriter.once('close', () => { if (!source.destroyed) source.destroy(); });
  source.pipe(rewriter);
  const mode: FeedMode = await rewriter.mode;
  if (encoded) {
    delete headers['content-encoding'];
    delete headers['content-length'];
  }
  if (mode === 'rewrite') {
    headers['content-type'] = `${mediaTypeOf(headers['content-type'])}; charset=utf-8`;
    delete headers['content-length'];
    if (headers.etag && !headers.etag.startsWith('W/')) headers.etag = `W/${headers.etag}`;
  }
  return { status: 200, headers, body: rewriter };
}
