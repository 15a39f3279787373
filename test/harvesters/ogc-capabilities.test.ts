import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../harvesters/http.ts';
import { createOgcCapabilitiesHarvester } from '../../harvesters/ogc-capabilities.ts';
import { capabilitiesNativeId, capabilitiesRequestUrl } from '../../harvesters/ogc-capabilities/url.ts';
import type { HarvestContext, HarvestWarning } from '../../harvesters/types.ts';
import { mapDocument } from '../../mappings/index.ts';
import type { RawDocument } from '../../mappings/types.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { getRecord, recordId } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { file, reply, startTestServer, type TestServer } from '../helpers/http-server.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const ows = (...rel: string[]) => path.join(sharedFixtures, 'ows', ...rel);

let server: TestServer | undefined;
afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

const client = () => createHttpClient({ retries: 0, ratePerSecond: 1000, concurrency: 4 });

async function harvest(url: string, options: Record<string, unknown> = {}): Promise<{ docs: RawDocument[]; warnings: HarvestWarning[] }> {
  const out = { docs: [] as RawDocument[], warnings: [] as HarvestWarning[] };
  const ctx: HarvestContext = { signal: new AbortController().signal, http: client(), warn: (w) => out.warnings.push(w), incomplete: () => {} };
  const source: SourceDef = { id: 'caps', type: 'ogc-capabilities', url, enabled: true, options };
  for await (const doc of createOgcCapabilitiesHarvester().harvest(source, ctx)) out.docs.push(doc);
  return out;
}

describe('capabilities URLs (pure)', () => {
  it('adds REQUEST=GetCapabilities, and SERVICE when the source names it, keeping vendor parameters', () => {
    expect(capabilitiesRequestUrl('https://geoservices.brgm.fr/geologie?language=fre', 'wms'))
      .toBe('https://geoservices.brgm.fr/geologie?language=fre&SERVICE=WMS&REQUEST=GetCapabilities');
    expect(capabilitiesRequestUrl('https://x/wms?service=WMS&request=GetCapabilities', 'WFS')).toBe('https://x/wms?service=WMS&request=GetCapabilities');
    expect(capabilitiesRequestUrl('https://x/cgi-bin/mapserv?map=/a.map')).toBe('https://x/cgi-bin/mapserv?map=%2Fa.map&REQUEST=GetCapabilities');
    expect(() => capabilitiesRequestUrl('geoservices.brgm.fr/geologie')).toThrow();
  });

  it('gives one native id whatever the parameter case, order and cache busters', () => {
    const id = capabilitiesNativeId('https://x/wms?request=GetCapabilities&service=WMS');
    expect(capabilitiesNativeId('https://x/wms?SERVICE=WMS&REQUEST=GetCapabilities&_=1712345678#top')).toBe(id);
    expect(id).toBe('https://x/wms?request=GetCapabilities&service=WMS');
    expect(capabilitiesNativeId('https://x/wms?map=A&SERVICE=WMS')).not.toBe(capabilitiesNativeId('https://x/wms?map=B&SERVICE=WMS'));
  });
});

describe('ogc-capabilities harvester over HTTP', () => {
  it.each([
    ['wms/brgm-wms-1.3.0.xml', 'WMS', 'GéoServices : géologie, hydrogéologie et gravimétrie'],
    ['wms/brgm-wms-1.1.1-utf-16.xml', 'WMS', 'GéoServices : géologie, hydrogéologie et gravimétrie'],
    ['wmts/ign-wmts.xml', 'WMTS', 'Service de visualisation WMTS'],
    ['wfs/cuzk-wfs-2.0.0.xml', 'WFS', 'CZE INSPIRE Download Service - Cadastral Parcels'],
  ])('fetches %s once and yields it verbatim with the URL as native id', async (rel, service, title) => {
    server = await startTestServer([{ path: '/ows', handler: file(ows(rel), 'text/xml') }]);
    const { docs } = await harvest(`${server.url}/ows?map=demo`, { service });
    expect(server.requests.map((r) => r.url)).toEqual([`/ows?map=demo&SERVICE=${service}&REQUEST=GetCapabilities`]);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ nativeId: `${server.url}/ows?map=demo&request=GetCapabilities&service=${service}`, mediaType: 'text/xml' });
    expect(docs[0].bytes.equals(readFileSync(ows(rel)))).toBe(true);
    expect(mapDocument(docs[0]).record.title).toBe(title);
  });

  it.each([
    ['exceptions/wms-service-exception-1.3.0.xml', 'msWMSDispatch(): WMS server error. Incomplete or unsupported WMS request'],
    ['exceptions/wms-service-exception-1.1.1.xml', 'msWMSDispatch(): WMS server error. Incomplete or unsupported WMS request'],
    ['exceptions/wfs-ows-exception-2.0.0.xml', 'InvalidParameterValue: msWFSDispatch(): WFS server error. Invalid WFS request: FooBar'],
  ])('an exception report served as capabilities (%s) fails the harvest with the URL and the text', async (rel, text) => {
    server = await startTestServer([{ path: '/ows', handler: file(ows(rel)) }]);
    const url = `${server.url}/ows?SERVICE=WMS&REQUEST=GetCapabilities`;
    await expect(harvest(url)).rejects.toThrow(`${url} answered with an OGC exception report: ${text}`);
  });

  it('an HTML page with 200, a truncated document and a 500 each fail the harvest with the URL and the reason', async () => {
    const brgm = readFileSync(ows('wms/brgm-wms-1.3.0.xml'));
    server = await startTestServer([
      { path: '/html', handler: reply(200, '<html><body>Service en maintenance</body></html>', { 'content-type': 'text/html' }) },
      // Synthetic fault from a real fixture: the BRGM capabilities cut in half.
      { path: '/cut', handler: reply(200, brgm.subarray(0, brgm.length / 2).toString('latin1'), { 'content-type': 'text/xml' }) },
      { path: '/down', handler: reply(500, 'Internal Server Error') },
    ]);
    const u = server.url;
    await expect(harvest(`${u}/html?REQUEST=GetCapabilities`)).rejects.toThrow(
      `${u}/html?REQUEST=GetCapabilities did not answer with WMS, WMTS or WFS capabilities (content type text/html, root element html)`,
    );
    await expect(harvest(`${u}/cut?REQUEST=GetCapabilities`)).rejects.toThrow(/\/cut\?REQUEST=GetCapabilities: unreadable capabilities: XML not well-formed/);
    await expect(harvest(`${u}/down?REQUEST=GetCapabilities`)).rejects.toThrow(`${u}/down?REQUEST=GetCapabilities answered HTTP 500`);
  });
});

describe.each(backends)('ogc-capabilities runHarvest into the store on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let source: SourceDef;

  beforeEach(async () => {
    server = await startTestServer([{ path: '/geologie', handler: file(ows('wms/brgm-wms-1.3.0.xml'), 'text/xml') }]);
    source = { id: 'brgm', type: 'ogc-capabilities', url: `${server.url}/geologie?language=fre`, enabled: true, options: { service: 'WMS' } };
    await putSource(store.db, source);
  });

  it('stores one service record, finds it unchanged on a second run, keeps it when the server answers an exception', async () => {
    const first = await runHarvest(store.db, source, { http: client() });
    expect(first).toMatchObject({ status: 'succeeded', complete: true });
    expect(first.counts).toMatchObject({ seen: 1, new: 1, failed: 0 });
    const id = recordId('brgm', `${server!.url}/geologie?language=fre&request=GetCapabilities&service=WMS`);
    const stored = await getRecord(store.db, id);
    expect(stored!.record).toMatchObject({ hierarchyLevel: 'service', title: 'GéoServices : géologie, hydrogéologie et gravimétrie' });
    expect(stored!.record.service!.operatesOn.map((o) => o.uuidref)).toContain('BR_CAR_ADA');

    const second = await runHarvest(store.db, source, { http: client() });
    expect(second.counts).toMatchObject({ seen: 1, new: 0, changed: 0, unchanged: 1 });

    server!.routes[0] = { path: '/geologie', handler: file(ows('exceptions/wms-service-exception-1.3.0.xml')) };
    const third = await runHarvest(store.db, source, { http: client() });
    expect(third).toMatchObject({ status: 'failed', complete: false, error: expect.stringMatching(/answered with an OGC exception report: msWMSDispatch/) });
    expect(await getRecord(store.db, id)).toMatchObject({ withdrawnAt: null });
  });
});
