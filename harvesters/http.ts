/**
 * The one HTTP client of the harvesters (DESIGN §6, "politeness and limits on every fetch"): an identifying
 * User-Agent, a time limit and a size limit on every request, retries with exponential backoff that honour
 * Retry-After (got), a bounded number of redirects, and per-host concurrency and rate limits (p-queue), so that
 * several sources on one host (Géoplateforme: 15 requests/s per IP) share one budget.
 */
import got, { type Method, RequestError } from 'got';
import PQueue from 'p-queue';

export const DEFAULT_USER_AGENT = 'moisson/0.1 (federated geographic metadata harvester; +https://github.com/moisson-hub/moisson)';

export interface FetchPolicy {
  userAgent: string;
  /** Whole request, retries excluded, in milliseconds. */
  timeoutMs: number;
  /** Largest accepted response body (after decompression). */
  maxBytes: number;
  retries: number;
  maxRedirects: number;
  /** Requests per second to one host (fractions allowed: 0.5 = one request every 2 s). */
  ratePerSecond: number;
  /** Requests in flight to one host. */
  concurrency: number;
}

export const DEFAULT_POLICY: FetchPolicy = {
  userAgent: DEFAULT_USER_AGENT,
  timeoutMs: 60_000,
  maxBytes: 100 * 1024 * 1024,
  retries: 3,
  maxRedirects: 5,
  ratePerSecond: 2,
  concurrency: 2,
};

export interface FetchRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Overrides the policy's maxBytes for this request. */
  maxBytes?: number;
}

export interface FetchResponse {
  /** Final URL, after redirects. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Media type without parameters, lower case ('' when absent). */
  mediaType: string;
  fetchedAt: string;
}

export type FetchErrorCode = 'timeout' | 'too_large' | 'http_status' | 'network' | 'too_many_redirects' | 'aborted';

/** A request that failed after its retries; the message names the URL and what went wrong. */
export class FetchError extends Error {
  constructor(
    readonly code: FetchErrorCode,
    readonly url: string,
    message: string,
    readonly status?: number,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts);
    this.name = 'FetchError';
  }
}

export interface HttpClient {
  /** Fetches one URL under the client's policy; answers with 4xx/5xx statuses are FetchErrors. */
  fetch(req: FetchRequest): Promise<FetchResponse>;
  readonly policy: FetchPolicy;
}

/** Status codes worth a retry: the server said "later", or a gateway failed. */
const RETRY_STATUSES = [408, 425, 429, 500, 502, 503, 504, 521, 522, 524];

function hostQueue(queues: Map<string, PQueue>, url: string, policy: FetchPolicy): PQueue {
  const host = new URL(url).host;
  let q = queues.get(host);
  if (!q) {
    // One request per interval spreads requests evenly instead of bursting `rate` at the start of each second.
    q = new PQueue({ concurrency: policy.concurrency, intervalCap: 1, interval: Math.max(1, Math.round(1000 / policy.ratePerSecond)) });
    queues.set(host, q);
  }
  return q;
}

function toFetchError(err: unknown, url: string, maxBytes: number): FetchError {
  if (err instanceof FetchError) return err;
  const e = err as RequestError & { code?: string };
  const where = `${url}`;
  if (e?.name === 'AbortError' || e?.code === 'ERR_ABORTED') return new FetchError('aborted', url, `Request to ${where} aborted`, undefined, { cause: err });
  if (e?.name === 'CancelError') return new FetchError('too_large', url, `Response from ${where} is larger than ${maxBytes} bytes`, undefined, { cause: err });
  if (e?.name === 'TimeoutError') return new FetchError('timeout', url, `No complete answer from ${where} in time (${e.message})`, undefined, { cause: err });
  if (e?.name === 'MaxRedirectsError') return new FetchError('too_many_redirects', url, `Too many redirects from ${where}`, undefined, { cause: err });
  if (e?.name === 'HTTPError') {
    const status = (e as unknown as { response: { statusCode: number } }).response.statusCode;
    return new FetchError('http_status', url, `${where} answered HTTP ${status}`, status, { cause: err });
  }
  return new FetchError('network', url, `Cannot reach ${where}: ${e?.message ?? String(err)}`, undefined, { cause: err });
}

async function send(req: FetchRequest, policy: FetchPolicy): Promise<FetchResponse> {
  const maxBytes = req.maxBytes ?? policy.maxBytes;
  const request = got(req.url, {
    method: (req.method ?? 'GET') as Method,
    headers: { 'user-agent': policy.userAgent, ...req.headers },
    body: req.body,
    timeout: { request: policy.timeoutMs },
    retry: { limit: policy.retries, methods: ['GET', 'POST'], statusCodes: RETRY_STATUSES, maxRetryAfter: policy.timeoutMs },
    maxRedirects: policy.maxRedirects,
    responseType: 'buffer',
    signal: req.signal,
  });
  // `total` is the announced Content-Length: a body announced above the limit is refused at once.
  request.on('downloadProgress', ({ transferred, total }) => {
    if (transferred > maxBytes || (total ?? 0) > maxBytes) request.cancel();
  });
  const res = await request;
  // The progress count is of bytes on the wire; a compressed body can still inflate past the limit.
  if (res.body.length > maxBytes) throw new FetchError('too_large', req.url, `Response from ${req.url} is larger than ${maxBytes} bytes`);
  return {
    url: res.url,
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    mediaType: (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
    fetchedAt: new Date().toISOString(),
  };
}

/** A client with its own per-host queues. Share one client between the sources of a process. */
export function createHttpClient(overrides: Partial<FetchPolicy> = {}): HttpClient {
  const policy: FetchPolicy = { ...DEFAULT_POLICY, ...overrides };
  const queues = new Map<string, PQueue>();
  return {
    policy,
    async fetch(req) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        throw new FetchError('network', req.url, `"${req.url}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new FetchError('network', req.url, `Only http and https URLs are fetched, not ${url.protocol}`);
      }
      const maxBytes = req.maxBytes ?? policy.maxBytes;
      // got and p-queue each leave a listener on the signal they are given: give them a per-request child of
      // the run's signal, unlinked afterwards, so that a long harvest does not pile listeners on one signal.
      const child = new AbortController();
      const forward = () => child.abort(req.signal?.reason);
      if (req.signal?.aborted) forward();
      req.signal?.addEventListener('abort', forward, { once: true });
      const scoped = { ...req, signal: child.signal };
      try {
        return (await hostQueue(queues, req.url, policy).add(() => send(scoped, policy), { signal: child.signal })) as FetchResponse;
      } catch (err) {
        throw toFetchError(err, req.url, maxBytes);
      } finally {
        req.signal?.removeEventListener('abort', forward);
      }
    },
  };
}
