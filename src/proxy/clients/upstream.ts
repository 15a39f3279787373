/**
 * The only way the proxy reaches an upstream (DESIGN.md §8, §9): one client per registered service, which
 * sends requests to that service's origin and nowhere else.
 *
 * - Every URL is checked against the registered origin (scheme + host + port) before any connection; a URL
 *   with user info is refused too (it would make got send credentials the admin never registered).
 * - Redirects are followed by hand, at most 3, and only within the registered origin.
 * - Politeness per service: a keep-alive agent and a p-queue (concurrency, rate); a slot is held until the
 *   response body is finished or destroyed, so `concurrency` bounds the transfers really in flight.
 * - Limits: connect / first-byte / idle timeouts (`timeoutMs`), and `maxBytes` on the body, enforced while
 *   streaming (the body stream errors with a HubError) and up front when Content-Length announces more.
 * - Bodies are streamed as received (no decompression: the proxy passes the upstream's encoding on to
 *   clients that accept it); `decodedBody` gives the decoded bytes to callers that must read them.
 *
 * Upstream HTTP statuses (404, 500…) are answers, not errors: the caller decides. Errors are HubErrors
 * naming the service and the upstream host.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { finished, PassThrough, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import got, { type Method } from 'got';
import PQueue from 'p-queue';
import { HubError } from '../../errors.ts';
import type { ServiceDef } from '../../store/services.ts';
import { REDACTED } from '../services-def.ts';

export interface UpstreamRequest {
  /** path + query relative to the registered URL's origin, or a full URL: refused unless its origin is the registered one */
  url: URL;
  method?: 'GET' | 'HEAD' | 'POST';
  /** already filtered: forwardHeaders() */
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as received (still content-encoded). Consume it or destroy it: it holds a politeness slot. */
  body: NodeJS.ReadableStream & AsyncIterable<Buffer>;
  /** The URL that answered (after redirects). */
  url: URL;
}

export interface Upstream {
  readonly service: ServiceDef;
  request(req: UpstreamRequest): Promise<UpstreamResponse>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Redirects followed within the registered origin (the contract: at most 3). */
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Connection errors of a reused keep-alive socket the server had just closed: safe to retry a GET once. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Request headers a client may pass upstream: content negotiation, conditional and range requests. */
const FORWARDED = ['accept', 'accept-language', 'accept-encoding', 'if-none-match', 'if-modified-since', 'range', 'if-range', 'content-type'];

/**
 * The request headers a client may pass upstream: accept, accept-language, accept-encoding, if-none-match,
 * if-modified-since, range, if-range, content-type; never authorization, cookie, x-moisson-key, proxy-*, host,
 * forwarded. An allow-list: a header not named here never leaves the hub.
 */
export function forwardHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    const lower = name.toLowerCase();
    if (value === undefined || !FORWARDED.includes(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Headers a caller of `request` may never set, whatever it passes (defence in depth behind forwardHeaders). */
const NEVER_SENT = /^(host|authorization|cookie|x-moisson-key|forwarded|x-forwarded-.*|proxy-.*|connection|keep-alive|transfer-encoding|te|trailer|upgrade|content-length)$/i;

/** The User-Agent the hub identifies itself with (OpenStreetMap's tile policy asks for one that says who we are). */
export function hubUserAgent(baseUrl?: string): string {
  return `moisson/${VERSION} (+${baseUrl ?? process.env.BASE_URL ?? 'https://github.com/moisson-hub/moisson'})`;
}

interface Politeness {
  queue: PQueue;
  agents: { http: http.Agent; https: https.Agent };
}

function politenessOf(service: ServiceDef): Politeness {
  const { concurrency, rate } = service.politeness;
  // Fractional rates (0.5 = one request every 2 s) spread one request per interval.
  const perSecond = rate !== undefined && rate > 0 && Number.isInteger(rate);
  const queue = new PQueue({
    concurrency,
    ...(rate !== undefined && rate > 0
      ? { intervalCap: perSecond ? rate : 1, interval: perSecond ? 1000 : Math.max(1, Math.round(1000 / rate)) }
      : {}),
  });
  const opts = { keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency };
  return { queue, agents: { http: new http.Agent(opts), https: new https.Agent(opts) } };
}

/** Refuses (before any connection) a URL whose origin is not the registered one. */
function checkOrigin(service: ServiceDef, origin: string, url: URL, why: string): void {
  if (url.origin === origin && url.username === '' && url.password === '') return;
  throw new HubError('upstream_refused',
    `Service "${service.id}": ${why} ${url.protocol}//${url.host} is outside its registered origin ${origin}; refused.`,
    { details: { service: service.id, origin } });
}

/** Turns a got / network error into a HubError naming the service and the host. */
export function upstreamError(service: ServiceDef, url: URL, err: unknown): HubError {
  if (err instanceof HubError) return err;
  const e = err as { name?: string; code?: string; message?: string; event?: string };
  const where = `service "${service.id}" (${url.host})`;
  const details = { service: service.id, host: url.host };
  if (e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT') {
    const phase = (e as { event?: string }).event ?? (e.message?.match(/'(\w+)'/)?.[1]) ?? 'response';
    return new HubError('upstream_timeout',
      `No answer from ${where} within ${service.politeness.timeoutMs} ms (waiting for ${phase}).`, { details, cause: err });
  }
  if (e?.name === 'AbortError' || e?.code === 'ERR_ABORTED' || e?.code === 'ABORT_ERR') {
    return new HubError('upstream_unavailable', `Request to ${where} aborted.`, { details, cause: err });
  }
  if (e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.name === 'ReadError') {
    return new HubError('upstream_unavailable', `The connection to ${where} closed before the end of its answer.`, { details, cause: err });
  }
  const code = e?.code ? ` (${e.code})` : '';
  return new HubError('upstream_unavailable', `Cannot reach ${where}${code}: ${e?.message ?? String(err)}`, { details, cause: err });
}

/** Counts body bytes and errors the stream past `maxBytes` (decoded bodies and raw ones alike). */
function byteLimit(service: ServiceDef, url: URL, maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) {
        done(new HubError('upstream_too_large',
          `The answer of service "${service.id}" (${url.host}) is larger than its limit of ${maxBytes} bytes.`,
          { details: { service: service.id, host: url.host, maxBytes } }));
      } else done(null, chunk);
    },
  });
}

/**
 * Waits for a politeness slot (at most `timeoutMs`); resolves with the function that frees it. The caller's
 * signal is not handed to p-queue: p-queue 8 would free the slot when the signal fires mid-transfer.
 */
function acquire(service: ServiceDef, host: string, queue: PQueue, signal?: AbortSignal): Promise<() => void> {
  const t = service.politeness.timeoutMs;
  return new Promise((resolve, reject) => {
    let given = false;
    let cancelled = false;
    const cancel = (err: HubError) => {
      if (given) return;
      cancelled = true;
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(() => cancel(new HubError('upstream_timeout',
      `Service "${service.id}" (${host}): no free connection within ${t} ms (${queue.pending} requests in flight, ${queue.size} waiting).`,
      { details: { service: service.id, host } })), t);
    const onAbort = () => cancel(new HubError('upstream_unavailable', `Request to service "${service.id}" (${host}) aborted while queued.`));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    void queue.add(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A request given up while it waited gives its turn back at once.
      if (cancelled) return Promise.resolve();
      given = true;
      return new Promise<void>((release) => resolve(() => release()));
    });
  });
}

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; stream: Readable }

/** One HTTP exchange, no redirects, no retries; resolves at the response headers. */
function exchange(service: ServiceDef, p: Politeness, url: URL, req: UpstreamRequest, headers: Record<string, string>): Promise<RawResponse> {
  const t = service.politeness.timeoutMs;
  const stream = got.stream(url, {
    method: (req.method ?? 'GET') as Method,
    headers,
    body: req.body,
    agent: p.agents,
    decompress: false,
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    // No whole-request limit: a large download may take long; it may not stall (socket = idle time).
    timeout: { lookup: t, connect: t, secureConnect: t, send: t, response: t, socket: t },
    signal: req.signal,
  });
  return new Promise((resolve, reject) => {
    const onError = (err: unknown) => reject(err);
    stream.once('error', onError);
    stream.once('response', (res: http.IncomingMessage) => {
      stream.off('error', onError);
      // Until send() watches the stream (finished()), an error must not go unhandled; finished() still sees it.
      stream.on('error', () => {});
      resolve({ status: res.statusCode ?? 502, headers: res.headers, stream });
    });
  });
}

/** An exchange, retried once when a GET/HEAD meets a reset connection before any response byte. */
async function exchangeWithRetry(service: ServiceDef, p: Politeness, url: URL, req: UpstreamRequest, headers: Record<string, string>): Promise<RawResponse> {
  try {
    return await exchange(service, p, url, req, headers);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if ((req.method ?? 'GET') === 'POST' || !RESET_CODES.has(code) || req.signal?.aborted) throw err;
    return exchange(service, p, url, req, headers);
  }
}

function headersFor(service: ServiceDef, baseUrl: string | undefined, given: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (!NEVER_SENT.test(k)) out[k.toLowerCase()] = v;
  out['user-agent'] = service.politeness.userAgent ?? hubUserAgent(baseUrl);
  for (const [k, v] of Object.entries(service.upstreamHeaders ?? {})) {
    // The admin API shows '***' for these values: a definition read back from it (say, by `moisson tiles seed`
    // forwarded to a running hub) has lost its secret, and sending the marker would only fail upstream, unclearly.
    if (v === REDACTED) {
      throw new HubError('upstream_refused', `Service "${service.id}": upstreamHeaders.${k} holds the redaction marker "${REDACTED}", not its value; refused.`,
        { details: { service: service.id, header: k } });
    }
    out[k.toLowerCase()] = v;
  }
  return out;
}

/** Follows redirects within the origin; returns the final response, its URL and headers still unread. */
async function follow(service: ServiceDef, p: Politeness, origin: string, first: UpstreamRequest, headers: Record<string, string>): Promise<RawResponse & { url: URL }> {
  let req = first;
  let url = first.url;
  for (let hop = 0; ; hop++) {
    const res = await exchangeWithRetry(service, p, url, req, headers);
    const location = res.headers.location;
    if (!REDIRECT_STATUSES.has(res.status) || typeof location !== 'string') return { ...res, url };
    res.stream.destroy();
    if (hop >= MAX_REDIRECTS) {
      throw new HubError('upstream_refused', `Service "${service.id}" (${url.host}) redirected more than ${MAX_REDIRECTS} times; refused.`,
        { details: { service: service.id, host: url.host } });
    }
    const next = new URL(location, url);
    checkOrigin(service, origin, next, 'a redirect to');
    // 303 (and 301/302 after a POST, as browsers do) continue with a GET without body.
    const toGet = res.status === 303 || (req.method === 'POST' && res.status !== 307 && res.status !== 308);
    if (toGet) {
      req = { ...req, method: 'GET', body: undefined };
      delete headers['content-type'];
    }
    url = next;
  }
}

/** Sends one request under the service's politeness and limits. */
async function send(service: ServiceDef, p: Politeness, origin: string, baseUrl: string | undefined, req: UpstreamRequest): Promise<UpstreamResponse> {
  checkOrigin(service, origin, req.url, 'the address');
  const release = await acquire(service, req.url.host, p.queue, req.signal);
  let res: RawResponse & { url: URL };
  try {
    res = await follow(service, p, origin, req, headersFor(service, baseUrl, req.headers));
  } catch (err) {
    release();
    throw upstreamError(service, req.url, err);
  }
  const { maxBytes } = service.politeness;
  const announced = Number(res.headers['content-length'] ?? 0);
  if (announced > maxBytes) {
    res.stream.destroy();
    release();
    throw new HubError('upstream_too_large',
      `The answer of service "${service.id}" (${res.url.host}) announces ${announced} bytes, over its limit of ${maxBytes}.`,
      { details: { service: service.id, host: res.url.host, maxBytes } });
  }
  const body = byteLimit(service, res.url, maxBytes);
  // A body error before the caller listens (it may await a disk write first) must not crash the process;
  // readers still get it (for await, pipeline), and the stream is destroyed either way.
  body.on('error', () => {});
  // finished() also reports an error or a premature close that happened before this line.
  finished(res.stream, (err) => { if (err) body.destroy(upstreamError(service, res.url, err)); });
  res.stream.pipe(body);
  // Whoever ends or destroys the body (client gone, limit hit) ends the upstream exchange and frees the slot.
  body.once('close', () => {
    if (!res.stream.destroyed) res.stream.destroy();
    release();
  });
  return { status: res.status, headers: res.headers, body, url: res.url };
}

interface Entry { fingerprint: string; upstream: Upstream; politeness: Politeness }

/** One client per service id; a changed definition (URL, politeness, headers) gets a new one. */
const clients = new Map<string, Entry>();

/** The upstream client of a service (one per service id and definition: keep-alive agents, politeness queue). */
export function upstreamFor(service: ServiceDef, opts: { baseUrl?: string } = {}): Upstream {
  // The tile path asks once per request with the same cached definition object: answer that without hashing.
  const same = lastFor.get(service);
  if (same && same.baseUrl === opts.baseUrl && clients.get(service.id)?.upstream === same.upstream) return same.upstream;
  const upstream = clientFor(service, opts);
  lastFor.set(service, { baseUrl: opts.baseUrl, upstream });
  return upstream;
}

const lastFor = new WeakMap<ServiceDef, { baseUrl?: string; upstream: Upstream }>();

function clientFor(service: ServiceDef, opts: { baseUrl?: string }): Upstream {
  const fingerprint = JSON.stringify([service.url, service.politeness, service.upstreamHeaders ?? null, opts.baseUrl ?? null]);
  const known = clients.get(service.id);
  if (known && known.fingerprint === fingerprint) return known.upstream;
  let origin: string;
  try {
    origin = new URL(service.url).origin;
  } catch (err) {
    throw new HubError('upstream_refused', `Service "${service.id}" has no valid URL ("${service.url}").`, { cause: err });
  }
  const politeness = politenessOf(service);
  const upstream: Upstream = { service, request: (req) => send(service, politeness, origin, opts.baseUrl, req) };
  // The replaced client's agents are left to finish their transfers; idle sockets close with the server's keep-alive.
  clients.set(service.id, { fingerprint, upstream, politeness });
  return upstream;
}

/** Closes every client's idle connections (at shutdown). */
export function closeUpstreams(): void {
  for (const { politeness } of clients.values()) {
    politeness.agents.http.destroy();
    politeness.agents.https.destroy();
  }
  clients.clear();
}

/**
 * The body decoded according to its Content-Encoding (gzip, deflate, br), for callers that read it
 * (capabilities rewriting). The decoded size is limited too: a small gzip may inflate to gigabytes.
 */
export function decodedBody(res: UpstreamResponse, maxBytes: number): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip()
    : encoding === 'deflate' ? createInflate()
      : encoding === 'br' ? createBrotliDecompress() : new PassThrough();
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      maxBytes -= chunk.length;
      if (maxBytes < 0) done(new HubError('upstream_too_large', `A decoded upstream answer (${res.url.host}) exceeds its size limit.`));
      else done(null, chunk);
    },
  });
  const source = res.body as unknown as Readable;
  source.on('error', (err) => limit.destroy(err));
  decoder.on('error', (err) => limit.destroy(err instanceof HubError ? err
    : new HubError('upstream_unavailable', `Cannot decode the ${encoding} answer of ${res.url.host}: ${err.message}`, { cause: err })));
  limit.on('error', () => {}); // see send(): readers still get the error
  limit.once('close', () => { if (!source.destroyed) source.destroy(); });
  source.pipe(decoder).pipe(limit);
  return limit;
}
