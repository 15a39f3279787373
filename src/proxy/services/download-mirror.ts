/**
 * Downloads of a mirrored service (`options.mirror: true`): files are fetched once, on first access (there is
 * no admin trigger: the first download fills the copy), then served from disk with Range support.
 *
 *   copy on disk, verified      -> served from disk: 200, 206 (one range), 304, 416; `X-Moisson-Mirror: hit`
 *   no copy, plain GET          -> fetched from the upstream, streamed to the client and written to the copy
 *                                  at the same time (mirror/fill.ts); `X-Moisson-Mirror: fill`
 *   no copy, Range / HEAD, or a copy already being written
 *                               -> passed through (Range upstream); a Range request also starts filling the
 *                                  copy in the background, so that range-only clients (GDAL) get one too;
 *                                  `X-Moisson-Mirror: miss`
 * Feeds are never mirrored: they change, and they are rewritten on every request.
 * A client that goes away during a fill aborts it (the temp file is deleted); the next download starts again.
 */
import { createReadStream } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HubError } from '../../errors.ts';
import { SingleFlight } from '../caches/single-flight.ts';
import type { Upstream, UpstreamResponse } from '../clients/upstream.ts';
import { MirrorFill } from '../mirror/fill.ts';
import { ifRangeHolds, noneMatchHolds, rangeOf } from '../mirror/range.ts';
import type { MirrorHit, MirrorLogger, MirrorStore } from '../mirror/store.ts';
import { checkStatus, mayBeFeed, passedHeaders, respond, type DownloadResponse, type RespondContext } from './download-respond.ts';

export interface MirrorContext extends RespondContext {
  store: MirrorStore;
  upstream: Upstream;
  logger: MirrorLogger;
  /** Upstream request headers already filtered (forwardHeaders). */
  forwarded: Record<string, string>;
  /** The client's request headers (Range, If-Range, If-None-Match are answered here). */
  request: IncomingHttpHeaders;
}

/** Copies being written, by service and URL: one fill per file at a time. */
const filling = new Set<string>();

/** Whether a service mirrors its files. */
export function mirrors(options: Record<string, unknown> | undefined): boolean {
  return options?.mirror === true;
}

/** Copies whose revalidation failed (upstream down), by service and URL: served without asking until then. */
const revalidateAfter = new Map<string, number>();
/** How long a copy is served without asking after a failed revalidation. */
const RETRY_REVALIDATION_MS = 60_000;

/**
 * Whether the upstream still has the copy's file unchanged, once the copy is older than the service's
 * `cache.maxAgeSeconds`: a conditional HEAD (If-None-Match / If-Modified-Since). 304, or 200 with the same
 * ETag (else Last-Modified, else length): unchanged, and the copy is confirmed for another period. Another
 * answer that says the file changed or is gone (200, 404, 410): 'changed'. An upstream that fails: the copy is
 * served (a download service down is when a mirror matters) and asked again a minute later.
 */
async function revalidate(c: MirrorContext, target: URL, hit: MirrorHit, key: string): Promise<'fresh' | 'changed'> {
  const { entry } = hit;
  const maxAgeMs = (c.service.cache?.maxAgeSeconds ?? 86_400) * 1000;
  if (Date.now() - Date.parse(entry.checkedAt ?? entry.fetchedAt) < maxAgeMs) return 'fresh';
  if ((revalidateAfter.get(key) ?? 0) > Date.now() || filling.has(key)) return 'fresh';
  // Clients asking while the upstream is asked share its answer: one HEAD per file, however many ask at once.
  return revalidations.run(key, () => askUpstream(c, target, entry, key));
}

/** Revalidations under way, by service and URL. */
const revalidations = new SingleFlight<'fresh' | 'changed'>();

/** revalidate's conditional HEAD, and what its answer does to the copy. */
async function askUpstream(c: MirrorContext, target: URL, entry: MirrorHit['entry'], key: string): Promise<'fresh' | 'changed'> {
  const headers = fillHeaders(c.forwarded);
  if (entry.etag) headers['if-none-match'] = entry.etag;
  if (entry.lastModified) headers['if-modified-since'] = entry.lastModified;
  let verdict: 'fresh' | 'changed';
  try {
    const res = await c.upstream.request({ url: target, method: 'HEAD', headers });
    (res.body as unknown as Readable).destroy();
    const h = passedHeaders(res);
    if (res.status === 304) verdict = 'fresh';
    else if (res.status === 404 || res.status === 410) verdict = 'changed';
    else if (res.status !== 200) throw new HubError('upstream_unavailable', `the upstream answered HTTP ${res.status} to a revalidation`);
    else if (entry.etag && h.etag) verdict = h.etag === entry.etag ? 'fresh' : 'changed';
    else if (entry.lastModified && h['last-modified']) verdict = h['last-modified'] === entry.lastModified ? 'fresh' : 'changed';
    else verdict = h['content-length'] === undefined || Number(h['content-length']) === entry.size ? 'fresh' : 'changed';
  } catch (err) {
    revalidateAfter.set(key, Date.now() + RETRY_REVALIDATION_MS);
    c.logger.warn({ service: c.service.id, url: target.href, err: (err as Error).message }, 'mirror revalidation failed; the copy is served');
    return 'fresh';
  }
  revalidateAfter.delete(key);
  if (verdict === 'fresh') await c.store.writeEntry(c.service.id, target, { ...entry, checkedAt: new Date().toISOString() }).catch(() => {});
  else {
    c.logger.info({ service: c.service.id, url: target.href }, 'mirrored file changed upstream; the copy is replaced');
    await c.store.remove(c.service.id, target);
  }
  return verdict;
}

/** The answer for a file of a mirrored service. */
export async function mirrored(c: MirrorContext, target: URL): Promise<DownloadResponse> {
  const key = `${c.service.id} ${target.href}`;
  const hit = await c.store.lookup(c.service.id, target);
  if (hit && await revalidate(c, target, hit, key) === 'fresh') return fromCopy(c, hit);
  const ranged = c.request.range !== undefined;
  if (c.head || ranged || filling.has(key)) {
    if (ranged && !c.head && !filling.has(key)) void backgroundFill(c, target, key);
    const res = await c.upstream.request({ url: target, method: c.head ? 'HEAD' : 'GET', headers: c.forwarded });
    return withMirrorHeader(await respond(c, res), 'miss');
  }
  const res = await c.upstream.request({ url: target, method: 'GET', headers: fillHeaders(c.forwarded) });
  if (res.status !== 200 || mayBeFeed(res.headers['content-type'])) return withMirrorHeader(await respond(c, res), 'miss');
  filling.add(key);
  let fill: MirrorFill;
  try {
    fill = await openFill(c, target, res);
  } catch (err) {
    filling.delete(key);
    (res.body as unknown as Readable).destroy();
    throw err;
  }
  fill.once('close', () => filling.delete(key));
  const body = res.body as unknown as Readable;
  body.on('error', (err) => fill.destroy(err));
  body.pipe(fill);
  return { status: 200, headers: { ...passedHeaders(res), 'x-moisson-mirror': 'fill' }, body: fill };
}

/** Fills a copy with no client attached (started by a Range request on a file without copy). */
async function backgroundFill(c: MirrorContext, target: URL, key: string): Promise<void> {
  filling.add(key);
  try {
    const res = await c.upstream.request({ url: target, method: 'GET', headers: fillHeaders(c.forwarded) });
    checkStatus(c.service, res);
    if (res.status !== 200 || mayBeFeed(res.headers['content-type'])) {
      (res.body as unknown as Readable).destroy();
      return;
    }
    const fill = await openFill(c, target, res);
    await pipeline(res.body as unknown as Readable, fill, new Writable({ write: (_c, _e, next) => next() }));
  } catch (err) {
    c.logger.warn({ service: c.service.id, url: target.href, err: (err as Error).message }, 'background mirror fill failed');
  } finally {
    filling.delete(key);
  }
}

function openFill(c: MirrorContext, target: URL, res: UpstreamResponse): Promise<MirrorFill> {
  const h = passedHeaders(res);
  const length = h['content-length'] !== undefined ? Number(h['content-length']) : undefined;
  return MirrorFill.open({
    store: c.store, serviceId: c.service.id, url: target, announced: c.store.announcedFor(c.service.id, target),
    upstreamLength: Number.isSafeInteger(length) ? length : undefined, logger: c.logger,
    meta: { contentType: h['content-type'], contentDisposition: h['content-disposition'], lastModified: h['last-modified'], etag: h.etag },
  });
}

/** A fill asks for the whole file, unencoded, unconditionally: the copy is the file itself. */
function fillHeaders(forwarded: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(forwarded)) {
    if (!['range', 'if-range', 'if-none-match', 'if-modified-since', 'accept-encoding'].includes(k)) out[k] = v;
  }
  out['accept-encoding'] = 'identity';
  return out;
}

function withMirrorHeader(res: DownloadResponse, state: string): DownloadResponse {
  return { ...res, headers: { ...res.headers, 'x-moisson-mirror': state } };
}

/** Serves a verified copy: conditional GET, one byte range, or the whole file. */
function fromCopy(c: MirrorContext, hit: MirrorHit): DownloadResponse {
  const { entry } = hit;
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes', etag: hit.etag, 'x-moisson-mirror': 'hit',
    'content-type': entry.contentType ?? 'application/octet-stream',
  };
  if (entry.contentDisposition) headers['content-disposition'] = entry.contentDisposition;
  if (entry.lastModified) headers['last-modified'] = entry.lastModified;
  const header = (n: string) => (Array.isArray(c.request[n]) ? (c.request[n] as string[])[0] : c.request[n] as string | undefined);
  if (noneMatchHolds(header('if-none-match'), hit.etag)) return { status: 304, headers };
  const range = ifRangeHolds(header('if-range'), hit.etag, entry.lastModified) ? rangeOf(header('range'), entry.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    throw new HubError('range_not_satisfiable',
      `Service "${c.service.id}": the range "${header('range')}" is outside the file (${entry.size} bytes).`,
      { locator: 'Range', headers: { 'content-range': `bytes */${entry.size}`, 'accept-ranges': 'bytes' } });
  }
  if (range.kind === 'partial') {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${entry.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
    return { status: 206, headers, ...(c.head ? {} : { body: createReadStream(hit.file, { start: range.start, end: range.end }) }) };
  }
  headers['content-length'] = String(entry.size);
  return { status: 200, headers, ...(c.head ? {} : { body: createReadStream(hit.file) }) };
}
