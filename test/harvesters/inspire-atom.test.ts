import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../harvesters/http.ts';
import { createInspireAtomHarvester } from '../../harvesters/inspire-atom.ts';
import { entriesOf, nextPageUrl, planDatasetFeeds } from '../../harvesters/inspire-atom/plan.ts';
import { HarvestError, type HarvestContext, type HarvestWarning } from '../../harvesters/types.ts';
import { mapDocument } from '../../mappings/index.ts';
import type { RawDocument } from '../../mappings/types.ts';
import { parseXml } from '../../mappings/xml/index.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { getOriginal, getRecord, recordId } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { reply, startTestServer, type Handler, type TestServer } from '../helpers/http-server.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const fixture = (...rel: string[]) => path.join(sharedFixtures, ...rel);
const TG_SERVICE = fixture('atom', 'inspire-tg-service-feed.xml');
const TG_DATASET = fixture('atom', 'inspire-tg-dataset-feed.xml');
const BAVARIA = fixture('atom', 'bavaria-dgm200-service-feed.xml');
const BAVARIA_DATASET_PATH = '/inspire/dls/dgm200.DEBY_1d4ab890-27e7-3ebb-95ba-2d2ab8071871.xml';

/**
 * Serves a captured feed with its absolute URLs rewritten, at serve time, to the test server's address: the
 * fixtures name xyz.org, weichand.de, geoportal.bayern.de…, and every link the harvester follows must land here.
 */
function rewritten(file: string, hosts: string[], server: () => TestServer): Handler {
  return (_req, res) => {
    const body = rewrite(file, hosts, server().url);
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(body);
  };
}

function rewrite(file: string, hosts: string[], base: string): string {
  return hosts.reduce((t, host) => t.split(host).join(base), readFileSync(file, 'utf8'));
}

function xml(file: string): Handler {
  const bytes = readFileSync(file);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(bytes);
  };
}

const TG_HOSTS = ['http://xyz.org'];
// Longest first: the port-qualified host must be replaced before the bare one.
const BAVARIA_HOSTS = ['http://www.weichand.de:8080', 'http://www.weichand.de', 'http://geoportal.bayern.de', 'http://not.implemented.yet'];

let server: TestServer;
const current = () => server;

/** The TG example service: service feed, its ISO record, one dataset feed and its ISO record. */
function tgRoutes() {
  return [
    { path: '/download/en.xml', handler: rewritten(TG_SERVICE, TG_HOSTS, current) },
    { path: '/metadata/iso19139_document.xml', handler: xml(fixture('iso19139', 'geobretagne-service-coupled.xml')) },
    { path: '/data/waternetwork_feed.xml', handler: rewritten(TG_DATASET, TG_HOSTS, current) },
    { path: '/metadata/abcISO19139.xml', handler: xml(fixture('iso19139', 'gemini-dataset-valid.xml')) },
  ];
}

interface Collected {
  docs: RawDocument[];
  warnings: HarvestWarning[];
  incomplete: string[];
}

async function harvest(url: string): Promise<Collected> {
  const out: Collected = { docs: [], warnings: [], incomplete: [] };
  const ctx: HarvestContext = {
    signal: new AbortController().signal,
    http: createHttpClient({ retries: 0, ratePerSecond: 1000, concurrency: 4 }),
    warn: (w) => out.warnings.push(w),
    incomplete: (r) => out.incomplete.push(r),
  };
  const source: SourceDef = { id: 'atom', type: 'inspire-atom', url, enabled: true };
  for await (const doc of createInspireAtomHarvester().harvest(source, ctx)) out.docs.push(doc);
  return out;
}

afterEach(async () => {
  if (!server) return;
  expect(server.unexpected).toEqual([]);
  await server.close();
});

describe('inspire-atom harvest plan (pure)', () => {
  it('finds the dataset feed and the describedby record of each service feed entry', () => {
    const feed = parseXml(readFileSync(TG_SERVICE)).root;
    const plan = planDatasetFeeds(entriesOf(feed), 'http://xyz.org/download/en.xml');
    expect(plan.withoutFeed).toEqual([]);
    expect(plan.targets.map(({ feedUrl, metadataUrl }) => ({ feedUrl, metadataUrl }))).toEqual([
      { feedUrl: 'http://xyz.org/data/waternetwork_feed.xml', metadataUrl: 'http://xyz.org/metadata/abcISO19139.xml' },
    ]);
    expect(nextPageUrl(feed, 'http://xyz.org/download/en.xml')).toBeUndefined();
  });

  it('does not take a CSW GetRecordById describedby as a dataset feed, and keeps it as the metadata link', () => {
    const feed = parseXml(readFileSync(BAVARIA)).root;
    const [target] = planDatasetFeeds(entriesOf(feed), 'http://www.weichand.de/inspire/dls/dgm200.xml').targets;
    expect(target.feedUrl).toBe(`http://www.weichand.de${BAVARIA_DATASET_PATH}`);
    expect(target.metadataUrl).toMatch(/^http:\/\/geoportal\.bayern\.de\/csw\/bvv\?REQUEST=GetRecordById.*ID=c4b54cac/);
  });
});

describe('inspire-atom harvester over HTTP', () => {
  it('yields the service feed then the dataset feed, each with its describedby ISO record attached', async () => {
    server = await startTestServer(tgRoutes());
    const { docs, warnings, incomplete } = await harvest(`${server.url}/download/en.xml`);
    expect(warnings).toEqual([]);
    expect(incomplete).toEqual([]);
    expect(docs.map((d) => [d.nativeId, d.url, d.mediaType])).toEqual([
      [`${server.url}/download/en.xml`, `${server.url}/download/en.xml`, 'application/atom+xml'],
      [`${server.url}/data/abc/waternetwork.xml`, `${server.url}/data/waternetwork_feed.xml`, 'application/atom+xml'],
    ]);
    expect(server.requests.map((r) => r.url)).toEqual(['/download/en.xml', '/metadata/iso19139_document.xml', '/data/waternetwork_feed.xml', '/metadata/abcISO19139.xml']);
    const [service, dataset] = docs.map((d) => mapDocument(d).record);
    expect(service).toMatchObject({ hierarchyLevel: 'service', identifier: 'fr-org.geobretagne.crcbs.wfs' });
    expect(service.service!.operatesOn).toContainEqual({ uuidref: 'wn_id1', href: `${server.url}/metadata/abcISO19139.xml`, title: 'Water network ABC Dataset Feed' });
    expect(dataset).toMatchObject({ hierarchyLevel: 'dataset', identifier: 'test-record-04' });
    expect(dataset.resourceIdentifiers).toContainEqual({ code: 'wn_id1', codeSpace: `${server.url}/` });
    expect(dataset.onlineResources).toContainEqual(expect.objectContaining({ url: `${server.url}/data/abc/waternetwork_25832.zip`, protocol: 'application/xshapefile', function: 'download' }));
  });

  it('unwraps a GetRecordById answer, and maps a feed alone when its describedby link is dead', async () => {
    server = await startTestServer([
      { path: '/inspire/dls/dgm200.xml', handler: rewritten(BAVARIA, BAVARIA_HOSTS, current) },
      // The service feed's describedby is http://not.implemented.yet (sic): a dead link, answered 404 here.
      { path: '/', handler: reply(404, 'not found') },
      // No Bavarian dataset feed was captured: the TG example dataset feed stands in for it.
      { path: BAVARIA_DATASET_PATH, handler: rewritten(TG_DATASET, TG_HOSTS, current) },
      { path: '/csw/bvv', handler: xml(fixture('csw', 'getrecordbyid', 'geonetwork-fr-getrecordbyid-iso.xml')) },
    ]);
    const { docs, warnings, incomplete } = await harvest(`${server.url}/inspire/dls/dgm200.xml`);
    expect(incomplete).toEqual([]);
    expect(warnings).toEqual([{ url: `${server.url}/`, message: expect.stringMatching(/^describedby metadata not fetched: .*HTTP 404/) }]);
    expect(docs).toHaveLength(2);
    // No context to attach to the service feed (its describedby is dead): it is yielded byte for byte.
    expect(docs[0].bytes.toString('utf8')).toBe(rewrite(BAVARIA, BAVARIA_HOSTS, server.url));
    const dataset = mapDocument(docs[1]).record;
    expect(dataset.identifier).toBe('b2d17406-57eb-4b62-8655-54f1e181aa28');
    expect(dataset.resourceIdentifiers).toContainEqual({ code: 'DEBY_1d4ab890-27e7-3ebb-95ba-2d2ab8071871', codeSpace: 'http://www.geodaten.bayern.de' });
    expect(server.requests.find((r) => r.url.startsWith('/csw/bvv'))?.url).toMatch(/REQUEST=GetRecordById.*ID=c4b54cac/);
  });

  it('reports a dataset feed that cannot be fetched as skipped and the listing as incomplete', async () => {
    server = await startTestServer([
      { path: '/inspire/dls/dgm200.xml', handler: rewritten(BAVARIA, BAVARIA_HOSTS, current) },
      { path: '/', handler: reply(404, 'not found') },
      { path: BAVARIA_DATASET_PATH, handler: reply(500, 'upstream error') },
    ]);
    const { docs, warnings, incomplete } = await harvest(`${server.url}/inspire/dls/dgm200.xml`);
    expect(docs).toHaveLength(1);
    expect(warnings).toContainEqual({ url: `${server.url}${BAVARIA_DATASET_PATH}`, skipped: true, message: expect.stringMatching(/^dataset feed not fetched: .*HTTP 500/) });
    expect(incomplete).toEqual([`dataset feed ${server.url}${BAVARIA_DATASET_PATH} could not be fetched`]);
  });

  it('fails with the URL and the reason when the service feed is an HTML page served with 200, or an error', async () => {
    server = await startTestServer([
      { path: '/html', handler: reply(200, '<!DOCTYPE html><html><body>Maintenance</body></html>', { 'content-type': 'text/html' }) },
      { path: '/down', handler: reply(503, 'down') },
    ]);
    await expect(harvest(`${server.url}/html`)).rejects.toThrow(new HarvestError('source_unreadable', `${server.url}/html: not an Atom feed (content type text/html, root html)`));
    await expect(harvest(`${server.url}/down`)).rejects.toThrow(/answered HTTP 503/);
  });
});

describe.each(backends)('inspire-atom runHarvest into the store on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let source: SourceDef;
  const http = () => createHttpClient({ retries: 0, ratePerSecond: 1000, concurrency: 4 });

  beforeEach(async () => {
    server = await startTestServer(tgRoutes());
    source = { id: 'tg-atom', type: 'inspire-atom', url: `${server.url}/download/en.xml`, enabled: true };
    await putSource(store.db, source);
  });

  it('stores the service and dataset records, finds them unchanged on a second run, keeps them when the feed fails', async () => {
    const first = await runHarvest(store.db, source, { http: http() });
    expect(first).toMatchObject({ status: 'succeeded', complete: true });
    expect(first.counts).toMatchObject({ seen: 2, new: 2, failed: 0 });
    const datasetId = recordId('tg-atom', `${server.url}/data/abc/waternetwork.xml`);
    const stored = await getRecord(store.db, datasetId);
    expect(stored!.record).toMatchObject({ identifier: 'test-record-04', hierarchyLevel: 'dataset' });
    expect((await getOriginal(store.db, datasetId))!.bytes.toString('utf8')).toContain('<moisson:harvestContext');

    const second = await runHarvest(store.db, source, { http: http() });
    expect(second.counts).toMatchObject({ seen: 2, new: 0, changed: 0, unchanged: 2, failed: 0 });

    server.routes[0] = { path: '/download/en.xml', handler: reply(500, 'broken') };
    const third = await runHarvest(store.db, source, { http: http() });
    expect(third).toMatchObject({ status: 'failed', complete: false, error: expect.stringContaining(`${server.url}/download/en.xml`) });
    expect(await getRecord(store.db, datasetId)).toMatchObject({ withdrawnAt: null });
  });
});
