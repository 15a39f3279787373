/**
 * A local CSW for the harvester tests, over test/helpers/http-server.ts (any request no route expects is
 * answered 599 and kept in `unexpected`): GetCapabilities from a real capabilities fixture, GetRecords answered
 * by a function of the startPosition / maxRecords the harvester asked for (POST XML or GET KVP).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { createHttpClient } from '../../../harvesters/http.ts';
import type { HarvestContext, HarvestWarning } from '../../../harvesters/types.ts';
import type { RawDocument } from '../../../mappings/types.ts';
import type { SourceDef } from '../../../src/store/sources.ts';
import { startTestServer, type SeenRequest, type TestServer } from '../../helpers/http-server.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';

export const CSW_FIXTURES = path.join(sharedFixtures, 'csw');

export function fixture(rel: string): Buffer {
  return readFileSync(path.join(CSW_FIXTURES, rel));
}

/** What a GetRecords request asked for. */
export interface PageAsk {
  start: number;
  max: number;
  req: SeenRequest;
}

export type Answer = Buffer | string | { status: number; body?: string; headers?: Record<string, string> };
export type PageHandler = (ask: PageAsk) => Answer;

/** startPosition / maxRecords of a GetRecords request, POST body or KVP. */
export function pageAsk(req: SeenRequest): PageAsk {
  const url = new URL(req.url, 'http://x');
  const kvp = (k: string) => [...url.searchParams].find(([name]) => name.toLowerCase() === k.toLowerCase())?.[1];
  const attr = (k: string) => new RegExp(`\\s${k}="(\\d+)"`).exec(req.body)?.[1];
  return { start: Number(kvp('startPosition') ?? attr('startPosition') ?? 1), max: Number(kvp('maxRecords') ?? attr('maxRecords') ?? 10), req };
}

function isCapabilities(req: SeenRequest): boolean {
  return req.method === 'GET' && /[?&]request=getcapabilities(&|$)/i.test(req.url);
}

function send(res: ServerResponse, answer: Answer): void {
  if (Buffer.isBuffer(answer) || typeof answer === 'string') {
    res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
    res.end(answer);
    return;
  }
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body ?? '');
}

export interface CswTestServer extends TestServer {
  endpoint: string;
  /** The GetRecords requests received, in order. */
  pages(): PageAsk[];
}

/**
 * Starts the server. `capabilities` is a fixture path under csw/ (its advertised DCP URLs on `advertised` are
 * pointed at this server, and `edit` may make one more stated change), or an Answer.
 */
export async function startCsw(
  capabilities: string | Answer,
  onPage: PageHandler,
  advertised?: string,
  edit: (xml: string) => string = (xml) => xml,
): Promise<CswTestServer> {
  const server = await startTestServer();
  const endpoint = `${server.url}/csw`;
  const caps = typeof capabilities === 'string' ? Buffer.from(edit(capsFixture(capabilities, advertised, endpoint).toString('utf8'))) : capabilities;
  server.routes.push({
    path: '/csw',
    handler: (req, res) => send(res, isCapabilities(req) ? caps : onPage(pageAsk(req))),
  });
  return Object.assign(server, {
    endpoint,
    pages: () => server.requests.filter((r) => !isCapabilities(r) && r.url.startsWith('/csw')).map(pageAsk),
  });
}

function capsFixture(rel: string, advertised: string | undefined, endpoint: string): Buffer {
  const bytes = fixture(rel);
  return advertised ? Buffer.from(bytes.toString('utf8').split(advertised).join(endpoint)) : bytes;
}

/** A harvest context recording warnings and incompleteness; no HTTP retries unless asked (tests stay fast). */
export function context(opts: { since?: Date; retries?: number } = {}): HarvestContext & { warnings: HarvestWarning[]; reasons: string[] } {
  const warnings: HarvestWarning[] = [];
  const reasons: string[] = [];
  return {
    signal: new AbortController().signal,
    http: createHttpClient({ ratePerSecond: 1000, concurrency: 4, retries: opts.retries ?? 0, timeoutMs: 10_000 }),
    warnings,
    reasons,
    warn: (w) => warnings.push(w),
    incomplete: (r) => reasons.push(r),
    ...(opts.since ? { since: opts.since } : {}),
  };
}

export function cswSource(url: string, options: Record<string, unknown> = {}): SourceDef {
  return { id: 'csw-test', type: 'csw', url, enabled: true, options };
}

export async function collect(it: AsyncIterable<RawDocument>): Promise<RawDocument[]> {
  const out: RawDocument[] = [];
  for await (const d of it) out.push(d);
  return out;
}

/** The HarvestError (or any error) a harvest ends with. */
export async function failure(it: AsyncIterable<RawDocument>): Promise<Error & { code?: string }> {
  try {
    await collect(it);
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the harvest to fail');
}

/** GéoPicardie's advertised endpoint, replaced by the test server's. */
export const GEOPICARDIE_CSW = 'http://www.geopicardie.fr/geonetwork/srv/eng/csw';
export const GEOPICARDIE_CAPS = 'getcapabilities/geopicardie-geonetwork-capabilities.xml';

/** The French GeoNetwork ISO page sequence (6 records, pages at 1, 3, 5), served by startPosition. */
export function geonetworkPages(ask: PageAsk): Answer {
  const page = { 1: 'page-1', 3: 'page-3', 5: 'page-5' }[ask.start];
  return page ? fixture(`getrecords-iso/geonetwork-fr-iso19139-${page}.xml`) : { status: 400, body: `no page at ${ask.start}` };
}

export const GEONETWORK_IDS = [
  'fr-120066022-ldd-56fce164-04b2-41ae-be87-9f256f39dd44',
  'fr-120066022-ldd-777b1c6b-36a7-4650-befa-e4be638cd694',
  'fr-120066022-jdd-585c9cd3-d542-407a-b6a5-885f062b0024',
  'fr-120066022-ldd-05ba3a8c-ee8a-4dd5-a86a-15b6d6cd1bc8',
  'fr-120066022-ldd-3f4cc8c8-5c3e-4a0e-8b56-0a569a7e12f6',
  'fr-120066022-ldd-1d31b525-5f0e-4fd2-8ab4-cad099333b5c',
];
