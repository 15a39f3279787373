/**
 * How an upstream answer goes back to the client of `/ows/{service}`, decided on its media type and, for XML,
 * on its root element (read first, bounded: rewrite/root.ts):
 *
 * - capabilities (WMS, WMTS, WFS roots): rewritten whole, streamed (rewrite/capabilities.ts);
 * - exception reports: relayed as they are, with the status of their exceptionCode when the upstream said 200
 *   (ows-exception.ts);
 * - any other XML (GetFeature, DescribeFeatureType, GML GetFeatureInfo): only the root's start tag is rewritten
 *   (WFS paging links, schema locations), the rest streamed byte for byte;
 * - anything else (maps, tiles, HTML or JSON feature info): streamed untouched, with its encoding when the
 *   client accepts it (decoded otherwise).
 *
 * Rewritten bodies are gzip-compressed when the client accepts gzip. Nothing is held whole in memory except
 * an exception report (bounded).
 */
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { decodedBody, type UpstreamResponse } from '../clients/upstream.ts';
import { capabilitiesRewriter } from '../rewrite/capabilities.ts';
import type { PathRecorder } from '../rewrite/paths.ts';
import { peekRoot, replay, withRewrittenRoot, type PeekedRoot } from '../rewrite/root.ts';
import type { UrlRewriter } from '../rewrite/urls.ts';
import { firstExceptionCode, isExceptionRoot, statusForExceptionCode } from './ows-exception.ts';

/** Upstream response headers a client gets (never Set-Cookie, upstream auth challenges or hop-by-hop headers). */
const PASSED_HEADERS = ['content-type', 'content-language', 'content-disposition', 'cache-control', 'expires', 'last-modified',
  'etag', 'accept-ranges', 'content-range'];
/** Roots of capabilities documents: WMS 1.3.0, WMS 1.1.1, WMTS 1.0, WFS (any version). */
const CAPABILITIES_ROOTS = new Set(['WMS_Capabilities', 'WMT_MS_Capabilities', 'Capabilities', 'WFS_Capabilities']);
/** Largest exception report read whole to find its code; a larger "report" is relayed as it came. */
const MAX_EXCEPTION_BYTES = 256 * 1024;

export interface RelayOptions {
  rw: UrlRewriter;
  /** The encodings the client accepts (`ctx.acceptsEncodings`). */
  accepts(encoding: string): boolean;
  /** Limit of the decoded body (the service's maxBytes). */
  maxBytes: number;
  head: boolean;
  /** Read the body as XML whatever its media type (capabilities asked for: some servers label them text/plain). */
  expectXml?: boolean;
  /** Where the `/-/` paths of a capabilities document are recorded (what `/ows/{service}/-/` may forward). */
  paths?: PathRecorder;
}

export interface Relayed {
  status: number;
  headers: Record<string, string>;
  body: Readable | Buffer | null;
}

function header(res: UpstreamResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function passedHeaders(res: UpstreamResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const v = header(res, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** XML media types: text/xml, application/xml, application/vnd.ogc.se_xml, application/gml+xml, …wms_xml. */
function isXml(type: string | undefined): boolean {
  return type !== undefined && /xml|gml/i.test(type.split(';')[0]);
}

/** Relays an upstream answer; reads at most its prolog (or a small exception report) before returning. */
export async function relay(res: UpstreamResponse, opts: RelayOptions): Promise<Relayed> {
  const headers = passedHeaders(res);
  const noBody = opts.head || res.status === 204 || res.status === 304;
  if (noBody || !(isXml(header(res, 'content-type')) || opts.expectXml)) {
    if (noBody) res.body.resume();
    return passThrough(res, opts, headers, noBody);
  }
  const peeked = await peekRoot(decodedBody(res, opts.maxBytes) as AsyncIterable<Buffer> & Readable);
  const root = peeked.tag?.local;
  if (isExceptionRoot(root)) return exception(res, peeked, headers);
  delete headers.etag; // the representation is the hub's (its URLs), not the upstream's
  const capabilities = root !== undefined && CAPABILITIES_ROOTS.has(root);
  const rewritten: [Readable, ...NodeJS.ReadWriteStream[]] = capabilities
    ? [Readable.from(replay(peeked)), capabilitiesRewriter(opts.rw, opts.paths)]
    : [Readable.from(withRewrittenRoot(peeked, opts.rw))];
  if (capabilities) headers['content-type'] = utf8(headers['content-type']);
  headers.vary = 'Accept-Encoding';
  if (opts.accepts('gzip')) {
    headers['content-encoding'] = 'gzip';
    rewritten.push(createGzip());
  }
  return { status: res.status, headers, body: chain(rewritten) };
}

/** Untouched: the upstream's bytes, with its encoding when the client accepts it, decoded otherwise. */
function passThrough(res: UpstreamResponse, opts: RelayOptions, headers: Record<string, string>, noBody: boolean): Relayed {
  const encoding = header(res, 'content-encoding')?.trim().toLowerCase();
  const length = header(res, 'content-length');
  if (!encoding || encoding === 'identity' || opts.accepts(encoding)) {
    if (encoding && encoding !== 'identity') {
      headers['content-encoding'] = encoding;
      headers.vary = 'Accept-Encoding';
    }
    if (length !== undefined) headers['content-length'] = length;
    return { status: res.status, headers, body: noBody ? null : (res.body as unknown as Readable) };
  }
  return { status: res.status, headers, body: noBody ? null : decodedBody(res, opts.maxBytes) };
}

/** An exception report: read (bounded) for its code, relayed with the status the code calls for. */
async function exception(res: UpstreamResponse, peeked: PeekedRoot, headers: Record<string, string>): Promise<Relayed> {
  // Iterated by hand: leaving a for-await loop early would end the generator, and with it the upstream body.
  const body = replay(peeked);
  const chunks: Buffer[] = [];
  let size = 0;
  for (let next = await body.next(); !next.done; next = await body.next()) {
    chunks.push(next.value);
    size += next.value.length;
    if (size > MAX_EXCEPTION_BYTES) {
      // Not a report we read whole: relayed as it came, status included.
      return { status: res.status, headers, body: Readable.from((async function* () {
        yield* chunks;
        yield* body;
      })()) };
    }
  }
  const bytes = Buffer.concat(chunks);
  const status = res.status === 200 ? statusForExceptionCode(firstExceptionCode(new TextDecoder(peeked.encoding).decode(bytes))) : res.status;
  delete headers.etag;
  headers['content-length'] = String(bytes.length);
  headers['cache-control'] = 'no-store';
  return { status, headers, body: bytes };
}

/** The rewritten document is UTF-8, whatever the upstream's charset was. */
function utf8(type: string | undefined): string {
  const base = (type ?? 'text/xml').split(';')[0].trim();
  return `${base}; charset=UTF-8`;
}

/** Streams piped with error propagation: an error anywhere destroys them all (and so the upstream transfer). */
function chain([first, ...rest]: [Readable, ...NodeJS.ReadWriteStream[]]): Readable {
  if (rest.length === 0) return first;
  const last = rest[rest.length - 1] as unknown as Readable;
  pipeline([first, ...rest] as unknown as [Readable, NodeJS.WritableStream], () => { /* the error reaches `last` */ });
  return last;
}
