/**
 * A local CSW 2.0.2 server for bench/harvest: it pages through N ISO 19139 records made by cloning the real
 * fixture records of ../shared/fixtures/iso19139 with new fileIdentifiers (bench-000001…). It answers
 * GetCapabilities (pycsw's real capabilities document, with its DCP URLs pointed at this server) and GetRecords
 * in KVP or POST XML (startPosition / maxRecords); anything else gets an ows:ExceptionReport.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BenchCsw {
  url: string;
  requests: number;
  close(): Promise<void>;
}

const FILE_ID = /(<(?:\w+:)?fileIdentifier>\s*<(?:\w+:)?CharacterString>)[^<]*(<)/;

/** Standalone ISO records of the shared fixtures, without their XML declaration, as templates. */
export function loadTemplates(fixtures: string): string[] {
  const dir = path.join(fixtures, 'iso19139');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/^\uFEFF?<\?xml[^>]*\?>\s*/, ''))
    .filter((xml) => FILE_ID.test(xml));
}

/** Record number i (1-based) of the generated catalogue. */
export function record(templates: string[], i: number): string {
  return templates[(i - 1) % templates.length].replace(FILE_ID, `$1bench-${String(i).padStart(6, '0')}$2`);
}

function paging(url: URL, body: string): { start: number; max: number } {
  const kvp = (k: string) => url.searchParams.get(k) ?? url.searchParams.get(k.toLowerCase()) ?? url.searchParams.get(k.toUpperCase());
  const attr = (k: string) => new RegExp(`${k}="(\\d+)"`).exec(body)?.[1];
  return { start: Number(kvp('startPosition') ?? attr('startPosition') ?? 1), max: Number(kvp('maxRecords') ?? attr('maxRecords') ?? 10) };
}

function getRecords(templates: string[], n: number, start: number, max: number): string {
  const end = Math.min(n, start + max - 1);
  const parts: string[] = [];
  for (let i = start; i <= end; i++) parts.push(record(templates, i));
  const returned = Math.max(0, end - start + 1);
  const next = end >= n ? 0 : end + 1;
  return `<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" version="2.0.2">
<csw:SearchStatus timestamp="2026-11-22T00:00:00Z"/>
<csw:SearchResults numberOfRecordsMatched="${n}" numberOfRecordsReturned="${returned}" nextRecord="${next}" recordSchema="http://www.isotc211.org/2005/gmd" elementSet="full">
${parts.join('\n')}
</csw:SearchResults>
</csw:GetRecordsResponse>`;
}

/** pycsw's capabilities, pointed at this server, allowing pages of up to 1000 records (pycsw says 10). */
function caps(template: string, url: string): string {
  return template
    .replace(/http:\/\/localhost\/pycsw\/csw\.py\?[^"<]*/g, url)
    .replace(/(name="MaxRecordDefault">\s*<ows:Value>)\d+/, (_m, head: string) => `${head}1000`);
}

export async function startBenchCsw(fixtures: string, n: number): Promise<BenchCsw> {
  const templates = loadTemplates(fixtures);
  const capsTemplate = readFileSync(path.join(fixtures, 'csw', 'getcapabilities', 'pycsw-apiso-inspire-capabilities.xml'), 'utf8');
  const state = { requests: 0 };
  let base = '';
  const server: Server = createServer((req, res) => {
    state.requests++;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const request = (url.searchParams.get('request') ?? url.searchParams.get('REQUEST') ?? /<(?:\w+:)?(\w+)[\s>]/.exec(body.replace(/<\?xml[^>]*\?>/, ''))?.[1] ?? '').toLowerCase();
      res.setHeader('content-type', 'application/xml; charset=utf-8');
      if (request === 'getcapabilities') return res.end(caps(capsTemplate, `${base}/csw`));
      if (request === 'getrecords') {
        const { start, max } = paging(url, body);
        return res.end(getRecords(templates, n, start, max));
      }
      res.statusCode = 400;
      res.end(`<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.0.0"><ows:Exception exceptionCode="OperationNotSupported"><ows:ExceptionText>${request}</ows:ExceptionText></ows:Exception></ows:ExceptionReport>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/csw`,
    get requests() { return state.requests; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
