/**
 * The CSW harvester's two kinds of request, through ctx.http (the only way to the network: limits, retries
 * honouring Retry-After, per-host politeness), and the classification of their failures: which ones a smaller
 * page may cure, which ones end the harvest.
 */
import { HarvestError, type HarvestContext } from '../types.ts';
import { FetchError } from '../http.ts';
import { parseCapabilities, type CswCapabilities } from './capabilities.ts';
import { getCapabilitiesUrl, getRecordsBody, getRecordsUrl, type GetRecordsQuery } from './requests.ts';
import { CswResponseError, readGetRecords, readGetRecordsWith, readXml, type GetRecordsPage } from './responses.ts';

/** GetCapabilities; any failure is a HarvestError naming the URL (nothing can be listed without it). */
export async function fetchCapabilities(endpoint: string, ctx: HarvestContext): Promise<CswCapabilities> {
  const url = getCapabilitiesUrl(endpoint);
  try {
    const res = await ctx.http.fetch({ url, signal: ctx.signal, headers: { accept: 'application/xml, text/xml;q=0.9' } });
    return parseCapabilities(readXml(res, url));
  } catch (err) {
    throw toHarvestError(err, url, 'GetCapabilities');
  }
}

export interface PageRequest {
  method: 'GET' | 'POST';
  /** The endpoint for POST, the whole KVP URL for GET. */
  url: string;
  body?: string;
}

/** The request of one page: POST XML to the endpoint, or GET KVP. */
export function pageRequest(method: 'GET' | 'POST', endpoint: string, q: GetRecordsQuery): PageRequest {
  return method === 'POST' ? { method, url: endpoint, body: getRecordsBody(q) } : { method, url: getRecordsUrl(endpoint, q) };
}

export interface FetchedPage extends GetRecordsPage {
  fetchedAt: string;
}

/**
 * Fetches and reads one GetRecords page, whose first record is at `start`; throws FetchError or CswResponseError.
 * `signal` (default: the run's) aborts the request; `onFetched` is called once the bytes are in, before they are read.
 */
export async function fetchPage(
  req: PageRequest, start: number, ctx: HarvestContext, opts: { signal?: AbortSignal; onFetched?: () => void } = {},
): Promise<FetchedPage> {
  const headers: Record<string, string> = { accept: 'application/xml, text/xml;q=0.9' };
  if (req.body !== undefined) headers['content-type'] = 'application/xml; charset=utf-8';
  const res = await ctx.http.fetch({ url: req.url, method: req.method, headers, body: req.body, signal: opts.signal ?? ctx.signal });
  opts.onFetched?.();
  // Record trees are built with the split when the records will mostly be new (a first harvest), see split.ts;
  // in a worker thread when the orchestrator lends one, so that they are mapped there.
  const trees = (ctx.stored ?? 0) === 0;
  const workers = trees ? ctx.workers : undefined;
  const at = { requestUrl: req.url, fetchedAt: res.fetchedAt, start };
  const page = workers ? await readGetRecordsWith(res, req.url, (body) => workers.cswGetRecords(body, at)) : undefined;
  return { ...(page ?? await readGetRecords(res, req.url, { trees })), fetchedAt: res.fetchedAt };
}

/**
 * Whether a failed page may succeed when asked again smaller: server errors, time-outs, size limits and
 * truncated XML may depend on the page; a refused request (4xx, ExceptionReport, HTML page, wrong content) on the
 * first page will not. Later pages are always retried smaller (the request was accepted before).
 */
export function retryable(err: unknown, firstPage: boolean): boolean {
  if (err instanceof FetchError) {
    if (err.code === 'aborted') return false;
    if (!firstPage) return true;
    if (err.code === 'http_status') return (err.status ?? 0) >= 500;
    return err.code === 'timeout' || err.code === 'too_large';
  }
  if (err instanceof CswResponseError) return !firstPage || err.kind === 'xml';
  return false;
}

/** A HarvestError for a failure that ends the harvest; the message names the URL and what came back. */
export function toHarvestError(err: unknown, url: string, what: string): HarvestError {
  if (err instanceof HarvestError) return err;
  if (err instanceof FetchError) {
    if (err.code === 'aborted') return new HarvestError('aborted', 'Harvest aborted', { cause: err });
    const code = err.status === 404 || err.status === 410 ? 'source_not_found' : 'source_unreadable';
    return new HarvestError(code, `CSW ${what} failed: ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const where = err instanceof CswResponseError ? '' : ` (${url})`;
  return new HarvestError('source_unreadable', `CSW ${what} failed: ${message}${where}`, { cause: err });
}

/** Short reason for a report line. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
