/**
 * Bad input, end to end (issue #3): a source harvested once, then answering badly. For every fault the run
 * ends with a clear error or report line naming the place, the hub process goes on, and every record the store
 * had is still there (nothing withdrawn). Faults are injected by the real local server; the XXE and
 * entity-expansion documents are small synthetic ones (no captured document shows them), the others are real
 * fixtures served wrongly (truncated, wrong media type) or real server behaviours (stall, 429, redirect loop).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHttpClient, type FetchPolicy } from '../../harvesters/http.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { listRecords } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';
import { startTestServer, type SeenRequest, type TestServer } from '../helpers/http-server.ts';
import { cswSource, fixture, geonetworkPages, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw, type CswTestServer } from '../harvesters/csw/csw-server.ts';

type Raw = (req: SeenRequest, res: ServerResponse) => void;

const PAGE1 = fixture('getrecords-iso/geonetwork-fr-iso19139-page-1.xml').toString('utf8');
const CSW_NS = 'xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"';
const answer = (status: number, body: string | Buffer, type = 'application/xml; charset=utf-8'): Raw => (_req, res) => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

const faults: { name: string; raw: Raw; policy?: Partial<FetchPolicy>; message: RegExp }[] = [
  { name: 'an external entity (XXE)', message: /entit/i, raw: answer(200,
    `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><csw:GetRecordsResponse ${CSW_NS}>&x;</csw:GetRecordsResponse>`) },
  { name: 'an entity-expansion bomb', message: /entit/i, raw: answer(200,
    `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><csw:GetRecordsResponse ${CSW_NS}>&c;</csw:GetRecordsResponse>`) },
  { name: 'a truncated page', message: /well-formed|unclosed|truncated|end of/i, raw: answer(200, PAGE1.slice(0, PAGE1.length / 2)) },
  { name: 'an HTML error page served with 200', message: /HTML/i, raw: answer(200,
    '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Service en maintenance</h1></body></html>', 'text/html; charset=utf-8') },
  { name: 'the wrong content type', message: /json|content type|media type|not XML/i, raw: answer(200, '{"error":"no such service"}', 'application/json') },
  { name: 'a response over the size limit', message: /larger than/, policy: { maxBytes: 20_000 }, raw: answer(200, PAGE1) },
  { name: 'an upstream that stalls', message: /in time|timeout/i, policy: { timeoutMs: 400 },
    raw: (_req, res) => void setTimeout(() => res.destroyed || res.end(PAGE1), 5_000) },
  { name: '500 on every attempt', message: /500/, policy: { retries: 1 }, raw: answer(500, 'Internal Server Error', 'text/plain') },
  { name: 'a redirect loop', message: /redirect/i, raw: (req, res) => {
    res.writeHead(302, { location: `/csw?loop=${req.url.length}` });
    res.end();
  } },
  { name: 'a CSW ExceptionReport', message: /NoApplicableCode|InvalidParameterValue|OperationNotSupported|exception/i,
    raw: answer(200, readFileSync(path.join(sharedFixtures, 'csw', 'exceptions', 'geonetwork-exception-invalid-parameter.xml'))) },
];

describe.each(backends)('bad upstream answers keep every stored record, on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: (CswTestServer | TestServer) | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A GeoNetwork CSW whose GetRecords answers switch to `fault` once it is set. */
  async function harvestedOnce(): Promise<{ source: SourceDef; setFault: (raw: Raw) => void }> {
    const csw = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    server = csw;
    const route = csw.routes[0];
    const normal = route.handler;
    let fault: Raw | undefined;
    route.handler = (req, res) => (fault && !/getcapabilities/i.test(req.url) ? fault(req, res) : normal(req, res));
    const source = cswSource(csw.endpoint, { pageSize: 2, incremental: false });
    await putSource(store.db, source);
    const first = await runHarvest(store.db, source, { http: createHttpClient({ ratePerSecond: 1000, retries: 0 }) });
    expect(first.counts).toMatchObject({ new: 6, failed: 0 });
    return { source, setFault: (raw) => (fault = raw) };
  }

  it.each(faults)('$name', async ({ raw, policy, message }) => {
    const { source, setFault } = await harvestedOnce();
    setFault(raw);
    const http = createHttpClient({ ratePerSecond: 1000, retries: 0, ...policy });
    const report = await runHarvest(store.db, source, { http });
    expect(report.complete).toBe(false);
    expect(['failed', 'partial', 'succeeded']).toContain(report.status);
    const said = [report.error ?? '', ...report.lines.map((l) => l.message)].join('\n');
    expect(said).toMatch(message);
    expect(said).toContain('127.0.0.1');
    expect(report.counts.withdrawn).toBe(0);
    expect((await listRecords(store.db, { sourceId: source.id, limit: 100, offset: 0 })).total).toBe(6);
  });

  it('a 429 with Retry-After is waited for, then the harvest completes', async () => {
    const { source, setFault } = await harvestedOnce();
    let refused = 0;
    setFault((req, res) => {
      if (refused++ === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
        return;
      }
      setFault(undefined as unknown as Raw);
      const start = /startPosition="(\d+)"/.exec(req.body)?.[1] ?? new URL(req.url, 'http://x').searchParams.get('startPosition');
      answer(200, fixture(`getrecords-iso/geonetwork-fr-iso19139-page-${start ?? 1}.xml`))(req, res);
    });
    const started = Date.now();
    const report = await runHarvest(store.db, source, { http: createHttpClient({ ratePerSecond: 1000, retries: 2 }) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(report).toMatchObject({ status: 'succeeded', complete: true });
    expect(report.counts).toMatchObject({ unchanged: 6, withdrawn: 0 });
  });

  it('an RDF syntax error in a DCAT catalogue fails clearly and keeps what the source had', async () => {
    const ttl = readFileSync(path.join(sharedFixtures, 'dcat', 'geodcat-ap', 'geodcat-ap-2.0.0-dataset.ttl'));
    const bad = readFileSync(path.join(sharedFixtures, 'bad', 'dcat-ap-dataset-turtle-syntax-error.ttl'));
    let body = ttl;
    const dcat = await startTestServer([{ path: '/catalog.ttl', handler: (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/turtle' });
      res.end(body);
    } }]);
    server = dcat;
    const source: SourceDef = { id: 'dcat-test', type: 'dcat', url: `${dcat.url}/catalog.ttl`, enabled: true };
    await putSource(store.db, source);
    const http = createHttpClient({ ratePerSecond: 1000, retries: 0 });
    expect((await runHarvest(store.db, source, { http })).counts.new).toBe(1);
    body = bad;
    const report = await runHarvest(store.db, source, { http });
    expect(report.complete).toBe(false);
    expect([report.error ?? '', ...report.lines.map((l) => l.message)].join('\n')).toMatch(/syntax|prefix|parse/i);
    expect((await listRecords(store.db, { sourceId: source.id, limit: 10, offset: 0 })).total).toBe(1);
    expect(dcat.unexpected).toEqual([]);
  });
});
