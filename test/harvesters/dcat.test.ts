/**
 * The dcat harvester over a real local HTTP server serving the captured catalogues of ../shared/fixtures/dcat
 * (STYLE §18): any request the test did not expect is answered 599 and fails the test. data.gouv.fr's Hydra
 * pages link to http://data.test.org/catalog.jsonld?page=N: the server rewrites those links to its own address
 * at serve time (the fixture files are untouched).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDcatHarvester } from '../../harvesters/dcat/index.ts';
import { followable, pageAfter } from '../../harvesters/dcat/request.ts';
import { createHttpClient } from '../../harvesters/http.ts';
import type { HarvestContext, HarvestWarning } from '../../harvesters/types.ts';
import type { RawDocument } from '../../mappings/types.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { scanRecords } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { reply, startTestServer, type Handler, type TestServer } from '../helpers/http-server.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const fixture = (p: string) => path.join(sharedFixtures, p);
const JSONLD = 'application/ld+json';

/** Serves a fixture with data.gouv.fr's test host rewritten to the local server. */
function served(server: TestServer, rel: string, contentType: string, rewrite: Record<string, string> = {}): Handler {
  return (_req, res) => {
    let text = readFileSync(fixture(rel), 'utf8').replaceAll('http://data.test.org/catalog.jsonld', `${server.url}/catalog.jsonld`);
    for (const [from, to] of Object.entries(rewrite)) text = text.replaceAll(from, to);
    res.writeHead(200, { 'content-type': contentType });
    res.end(text);
  };
}

interface Harvested {
  docs: RawDocument[];
  warnings: HarvestWarning[];
  incomplete: string[];
  total?: number;
}

async function harvest(url: string): Promise<Harvested> {
  const out: Harvested = { docs: [], warnings: [], incomplete: [] };
  const ctx: HarvestContext = {
    signal: new AbortController().signal,
    http: createHttpClient({ ratePerSecond: 1000, retries: 1, timeoutMs: 5000 }),
    warn: (w) => out.warnings.push(w),
    incomplete: (r) => out.incomplete.push(r),
  };
  for await (const doc of createDcatHarvester().harvest(source(url), ctx)) out.docs.push(doc);
  out.total = ctx.total;
  return out;
}

function source(url: string): SourceDef {
  return { id: 'dcat-test', type: 'dcat', url, enabled: true };
}

const page = (n: number) => new RegExp(`^/catalog\\.jsonld\\?page=${n}$`);

describe('dcat harvester over HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    expect(server.unexpected).toEqual([]);
    await server.close();
  });

  it.each([
    ['hydra:PagedCollection (nextPage)', 'paged-collection'],
    ['hydra:Collection + PartialCollectionView (next)', 'partial-collection'],
  ])('follows %s across data.gouv.fr pages', async (_name, kind) => {
    server.routes.push(
      { path: page(1), handler: served(server, `dcat/data-gouv-fr/hydra-${kind}-page-1.jsonld`, JSONLD) },
      { path: page(2), handler: served(server, `dcat/data-gouv-fr/hydra-${kind}-page-2.jsonld`, JSONLD) },
    );
    const h = await harvest(`${server.url}/catalog.jsonld?page=1`);
    expect(h.docs.map((d) => d.nativeId)).toEqual([1, 2, 3, 4].map((n) => `http://data.test.org/datasets/${n}`));
    expect(h.total).toBe(4);
    expect(h.incomplete).toEqual([]);
    expect(h.warnings).toEqual([]);
    expect(h.docs.every((d) => d.mediaType === 'application/n-triples' && d.url.includes('/catalog.jsonld?page='))).toBe(true);
    expect(server.requests.map((r) => r.url)).toEqual(['/catalog.jsonld?page=1', '/catalog.jsonld?page=2']);
    expect(server.requests[0].headers.accept).toMatch(/^application\/ld\+json, text\/turtle;q=0\.9/);
  });

  it('reads the data.gouv.fr organisation catalog.rdf (PartialCollectionView without next)', async () => {
    server.routes.push({ path: '/catalog.rdf', handler: served(server, 'dcat/data-gouv-fr/datagouv-organization-catalog-hydra.rdf.xml', 'application/rdf+xml') });
    const h = await harvest(`${server.url}/catalog.rdf`);
    expect(h.docs.map((d) => d.nativeId)).toEqual([
      'https://vanves-seineouest.opendatasoft.com/api/explore/v2.1/',
      'https://vanves-seineouest.opendatasoft.com/explore/dataset/bureau-de-vote-vanves/',
      'https://vanves-seineouest.opendatasoft.com/explore/dataset/vfe_public_219200755_20240506/',
    ]);
    // totalItems counts datasets (2); the data service is a record but not one of them.
    expect(h.total).toBe(2);
    expect(h.incomplete).toEqual([]);
  });

  it('reads a Turtle and an RDF/XML catalogue, whatever the Content-Type says', async () => {
    server.routes.push(
      { path: '/catalog.ttl', handler: served(server, 'dcat/ckanext-dcat/dataset_multilingual.ttl', 'text/plain') },
      { path: '/catalog.xml', handler: served(server, 'dcat/ckanext-dcat/catalog.rdf', 'application/xml') },
    );
    expect((await harvest(`${server.url}/catalog.ttl`)).docs.map((d) => d.nativeId)).toEqual(['https://example.org/dataset/0112cf32-bce0-4071-9504-923375f9f2ad']);
    expect((await harvest(`${server.url}/catalog.xml`)).docs.map((d) => d.nativeId)).toEqual([
      'https://data.some.org/catalog/datasets/1',
      'https://data.some.org/catalog/datasets/2',
    ]);
  });

  it('stores each dataset as the same bytes on every load (canonical N-Triples, blank nodes included)', async () => {
    server.routes.push({ path: '/bnodes.xml', handler: served(server, 'dcat/udata-harvest/bnodes.xml', 'application/rdf+xml') });
    const a = await harvest(`${server.url}/bnodes.xml`);
    const b = await harvest(`${server.url}/bnodes.xml`);
    expect(a.docs.map((d) => d.nativeId).sort()).toEqual(['1', `${server.url}/dataset-2`, `${server.url}/dataset-3`, 'https://data.paris2024.org/api/explore/v2.1/'].sort());
    expect(a.docs.map((d) => d.bytes.toString())).toEqual(b.docs.map((d) => d.bytes.toString()));
    const blank = a.docs.find((d) => d.nativeId === '1')!.bytes.toString();
    expect(blank).toMatch(/^# moisson: /);
    expect(blank).toContain('_:c14n');
  });

  it('repairs the GeoNetwork dataset IRI holding a space, with a warning', async () => {
    server.routes.push({ path: '/rdf.search', handler: served(server, 'dcat/udata-harvest/geonetwork-dcat-record.xml', 'application/rdf+xml') });
    const h = await harvest(`${server.url}/rdf.search`);
    expect(h.docs.map((d) => d.nativeId)).toEqual([
      'https://sig.oreme.org/geonetwork/srv/resources/datasets/0c456d2d-9548-4a2a-94ef-231d9d890ce2%20https://sig.oreme.org/geonetwork/srv/resources0c456d2d-9548-4a2a-94ef-231d9d890ce2',
    ]);
    expect(h.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^invalid IRI <https:\/\/sig\.oreme\.org\/geonetwork\/srv\/resources\/datasets\/0c456d2d.* percent-encoded/));
  });

  it('fails clearly, naming the URL, on an RDF syntax error', async () => {
    server.routes.push({ path: '/dataset.ttl', handler: served(server, 'bad/dcat-ap-dataset-turtle-syntax-error.ttl', 'text/turtle') });
    await expect(harvest(`${server.url}/dataset.ttl`)).rejects.toThrow(
      new RegExp(`^Cannot harvest ${server.url}/dataset\\.ttl: .*Turtle syntax error`),
    );
  });

  it('fails clearly on an HTML page served with 200, and on a remote JSON-LD context', async () => {
    server.routes.push(
      { path: '/portal', handler: reply(200, '<!DOCTYPE html><html><body>Maintenance</body></html>', { 'content-type': JSONLD }) },
      { path: '/data.json', handler: served(server, 'dcat/udata-harvest/evian-arcgis-hub-dcat-us.json', 'application/json') },
    );
    await expect(harvest(`${server.url}/portal`)).rejects.toThrow(/answered an HTML page/);
    await expect(harvest(`${server.url}/data.json`)).rejects.toThrow(/remote JSON-LD context https:\/\/project-open-data\.cio\.gov\/v1\.1\/schema\/catalog\.jsonld is not fetched/);
  });

  it('skips a page that fails after its retries, keeps the others, and says the listing is incomplete', async () => {
    server.routes.push(
      { path: page(1), handler: served(server, 'dcat/data-gouv-fr/hydra-partial-collection-page-1.jsonld', JSONLD) },
      { path: page(2), handler: reply(500, 'boom') },
    );
    const h = await harvest(`${server.url}/catalog.jsonld?page=1`);
    expect(h.docs.map((d) => d.nativeId)).toEqual([1, 2, 3].map((n) => `http://data.test.org/datasets/${n}`));
    expect(h.warnings[0].message).toMatch(/^page skipped: .*page=2 answered HTTP 500/);
    expect(h.incomplete).toEqual([`page ${server.url}/catalog.jsonld?page=2 could not be read`, '3 datasets listed, hydra:totalItems announced 4']);
    // One try and one retry (the client's policy), then the page is given up.
    expect(server.requests.filter((r) => r.url.endsWith('page=2'))).toHaveLength(2);
  });

  it('stops on a paging loop and on a next link to another host, and counts what it missed', async () => {
    server.routes.push(
      { path: page(1), handler: served(server, 'dcat/data-gouv-fr/hydra-paged-collection-page-1.jsonld', JSONLD) },
      // A server that answers page 1 again for page 2: same datasets, same next link.
      { path: page(2), handler: served(server, 'dcat/data-gouv-fr/hydra-paged-collection-page-1.jsonld', JSONLD) },
      { path: '/elsewhere', handler: served(server, 'dcat/data-gouv-fr/hydra-paged-collection-page-1.jsonld', JSONLD, { [`${server.url}/catalog.jsonld?page=2`]: 'http://other.invalid/catalog.jsonld?page=2' }) },
    );
    const loop = await harvest(`${server.url}/catalog.jsonld?page=1`);
    expect(loop.docs).toHaveLength(3);
    expect(loop.warnings.map((w) => w.message)).toContain(`next page link ${server.url}/catalog.jsonld?page=2 was already fetched (paging loop)`);
    expect(loop.incomplete).toEqual(['3 datasets listed, hydra:totalItems announced 4']);
    const away = await harvest(`${server.url}/elsewhere`);
    expect(away.incomplete).toContain('next page link http://other.invalid/catalog.jsonld?page=2 leaves the source\'s host');
  });
});

describe('dcat request policy (pure)', () => {
  it('follows only http(s) links on the source host, never twice', () => {
    expect(followable('?page=2', 'http://h/c?page=1', 'http://h/c?page=1', new Set())).toEqual({ url: 'http://h/c?page=2' });
    expect(followable('file:///etc/passwd', 'http://h/c', 'http://h/c', new Set())).toEqual({ refused: 'next page link file:///etc/passwd is not http(s)' });
    expect(followable('http://h/c?page=1', 'http://h/c?page=2', 'http://h/c', new Set(['http://h/c?page=1']))).toHaveProperty('refused');
  });

  it('guesses the page after a failed one from the page parameter, up to the last page', () => {
    expect(pageAfter('http://h/c?page=2&page_size=100', 'http://h/c?page=4&page_size=100')).toBe('http://h/c?page=3&page_size=100');
    expect(pageAfter('http://h/c?page=4', 'http://h/c?page=4')).toBeUndefined();
    expect(pageAfter('http://h/c', 'http://h/c?page=4')).toBeUndefined();
  });
});

describe.each(backends)('runHarvest of a dcat source on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    expect(server.unexpected).toEqual([]);
    await server.close();
  });

  it('stores every dataset, then finds them all unchanged on the next run', async () => {
    server.routes.push(
      { path: page(1), handler: served(server, 'dcat/data-gouv-fr/hydra-paged-collection-page-1.jsonld', JSONLD) },
      { path: page(2), handler: served(server, 'dcat/data-gouv-fr/hydra-paged-collection-page-2.jsonld', JSONLD) },
    );
    const src = source(`${server.url}/catalog.jsonld?page=1`);
    await putSource(store.db, src);
    const first = await runHarvest(store.db, src);
    expect(first.counts).toMatchObject({ seen: 4, new: 4, failed: 0 });
    expect(first.complete).toBe(true);
    const stored = await scanRecords(store.db, { sourceId: src.id, limit: 10 });
    // udata's test page 2 titles dataset 4 "Dataset 1" (its description says "Dataset 4 description").
    expect(stored.map((r) => [r.nativeId, r.record.title]).sort()).toEqual(
      [1, 2, 3, 4].map((n) => [`http://data.test.org/datasets/${n}`, `Dataset ${n === 4 ? 1 : n}`]),
    );
    expect(stored.every((r) => r.mediaType === 'application/n-triples')).toBe(true);
    const second = await runHarvest(store.db, src);
    expect(second.counts).toMatchObject({ seen: 4, new: 0, changed: 0, unchanged: 4, failed: 0 });
  });

  it('keeps the records of page 1 when page 2 fails, and the run is not complete', async () => {
    server.routes.push(
      { path: page(1), handler: served(server, 'dcat/data-gouv-fr/hydra-partial-collection-page-1.jsonld', JSONLD) },
      { path: page(2), handler: reply(500, 'boom') },
    );
    const src = { ...source(`${server.url}/catalog.jsonld?page=1`), options: { rateLimit: 1000 } };
    await putSource(store.db, src);
    const report = await runHarvest(store.db, src, { http: createHttpClient({ ratePerSecond: 1000, retries: 0 }) });
    expect(report.counts).toMatchObject({ seen: 3, new: 3, failed: 0 });
    expect(report.complete).toBe(false);
    expect(report.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/^listing incomplete: page .*page=2 could not be read/));
  });
});
