/**
 * `GET /api/search` over HTTP through the koa app, on every store backend with the embedded engine: the
 * answer's shape, one hit per resource with all its producers, 400s that name the parameter, escaping of
 * hostile harvested text, CORS and caching headers, /readyz's search part, and the admin harvest waking the
 * indexer.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runHarvest } from '../../src/harvest/run.ts';
import { createApp } from '../../src/http/app.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { escapeHtml, highlightHtml } from '../../src/publish/search.ts';
import { createEmbeddedIndex } from '../../src/search/embedded/index.ts';
import { createIndexer, type Indexer } from '../../src/search/indexer.ts';
import type { SearchIndex } from '../../src/search/types.ts';
import { outboxLag } from '../../src/store/outbox.ts';
import { recordId } from '../../src/store/records.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';
import { flaky } from './flaky-index.ts';

const ISO = path.join(sharedFixtures, 'iso19139');
const BASE = 'https://hub.example.fr';
const TOKEN = 'search-api-test-token-0123456789';
const BANO = '9ffb161b-d8d8-4ec4-bde5-a03104300df8';
const RENNES = 'aaff85f2-3529-4a0e-a263-95ad355acbc3';
const RENNES_TITLE = 'Référentiel voies et adresses de Rennes Métropole (diffusion)';
/** XML-escaped in the file, so that the harvested title really is `… <script>alert("x")</script> …`. */
const HOSTILE = 'Voies &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; adresses &lt;img src=x onerror=alert(1)&gt;';

describe('highlighted snippets as HTML', () => {
  it('escapes everything and turns each «…» pair into a mark', () => {
    expect(highlightHtml('Plan «local» d\'urbanisme & <b>«PLU»</b>'))
      .toBe('Plan <mark>local</mark> d&#39;urbanisme &amp; &lt;b&gt;<mark>PLU</mark>&lt;/b&gt;');
    expect(highlightHtml('«<script>alert(1)</script>»')).toBe('<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>');
    expect(highlightHtml('a lone « marker » and » another «')).toBe('a lone <mark> marker </mark> and » another «');
    expect(escapeHtml('"\'<>&')).toBe('&quot;&#39;&lt;&gt;&amp;');
  });
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Hit {
  id: string;
  title: string;
  titleHtml: string;
  snippet: string;
  type: string;
  producers: { id: string; title: string | null }[];
  organisations: string[];
  bbox: number[][];
  date: string | null;
  formats: string[];
  license: string | null;
  links: Record<string, string>;
}
interface Answer {
  total: number;
  page: number;
  limit: number;
  hits: Hit[];
  facets: Record<string, { value: string; count: number; title?: string | null }[]>;
  suggestion?: string;
}

describe.each(backends)('GET /api/search on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: Server;
  let base: string;
  let index: SearchIndex;
  let indexer: Indexer | undefined;
  const folders: string[] = [];

  beforeAll(async () => {
    index = createEmbeddedIndex(store.db);
    await index.init();
    server = createServer();
    base = await listen(server);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await index?.close();
  });
  afterEach(async () => {
    await indexer?.stop();
    indexer = undefined;
    for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
  });

  /** Serves the app with this indexer (or no search at all). */
  function serve(search: 'none' | Indexer): void {
    server.removeAllListeners('request');
    const app = createApp({ db: store.db, config: { baseUrl: BASE, adminToken: TOKEN }, logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }), ...(search === 'none' ? {} : { search: { index, indexer: search } }) });
    server.on('request', app.callback());
  }

  async function source(id: string, title: string, files: Record<string, ((xml: string) => string) | null>, options = {}): Promise<SourceDef> {
    const folder = await mkdtemp(path.join(tmpdir(), `moisson-search-api-${id}-`));
    folders.push(folder);
    for (const [file, edit] of Object.entries(files)) {
      if (edit) await writeFile(path.join(folder, file), edit(await readFile(path.join(ISO, file), 'utf8')));
      else await copyFile(path.join(ISO, file), path.join(folder, file));
    }
    const def: SourceDef = { id, title, type: 'directory', url: folder, enabled: true, options };
    await putSource(store.db, def);
    return def;
  }

  /** GéoBretagne (BANO, Rennes, GéoPicardie's urban area) and data.gouv.fr (BANO again, preferred), indexed. */
  async function catalogue(rennes: ((xml: string) => string) | null = null): Promise<void> {
    const region = await source('geobretagne', 'GéoBretagne', { 'geobretagne-bano.xml': null,
      'rennes-metropole-referentiel-adresse.xml': rennes, 'geopicardie-tache-urbaine.xml': null });
    const national = await source('datagouv', 'data.gouv.fr', { 'geobretagne-bano.xml': null }, { priority: 10 });
    for (const def of [region, national]) expect((await runHarvest(store.db, def)).counts.failed).toBe(0);
    indexer = createIndexer(store.db, index);
    await indexer.drain();
  }

  const get = async (qs: string) => {
    const res = await fetch(`${base}/api/search${qs}`);
    return { res, body: (await res.json()) as Answer & Record<string, unknown> };
  };

  it('answers a browse with the exact total, one hit per resource, facets and links', async () => {
    await catalogue();
    serve(indexer!);
    const { res, body } = await get('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toMatchObject({ total: 3, page: 1, limit: 20 });
    expect(body.hits).toHaveLength(3);
    expect(Object.keys(body.facets).sort()).toEqual(['format', 'keyword', 'license', 'source', 'type']);
    expect(body.facets.source).toEqual(expect.arrayContaining([
      { value: 'geobretagne', count: 3, title: 'GéoBretagne' }, { value: 'datagouv', count: 1, title: 'data.gouv.fr' }]));
    // Rennes Métropole's address reference is a series.
    expect(body.facets.type).toEqual([{ value: 'dataset', count: 2 }, { value: 'series', count: 1 }]);

    const bano = body.hits.find((h) => h.id === recordId('datagouv', BANO))!;
    expect(bano).toMatchObject({
      title: "Base d'Adresse Nationale Ouverte export Bretagne",
      type: 'dataset',
      producers: [{ id: 'datagouv', title: 'data.gouv.fr' }, { id: 'geobretagne', title: 'GéoBretagne' }],
      organisations: expect.arrayContaining(['partenariat GéoBretagne']),
      formats: expect.arrayContaining(['ESRI Shapefile']),
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      links: {
        json: `${BASE}/records/${bano.id}.json`,
        xml: `${BASE}/records/${bano.id}.xml`,
        original: `${BASE}/records/${bano.id}/original`,
      },
    });
    expect(bano.bbox).toHaveLength(1);
    expect(bano.bbox[0]).toHaveLength(4);
    expect(body.hits.some((h) => h.id === recordId('geobretagne', BANO))).toBe(false);
  });

  it('finds by text with a highlighted snippet, filters, pages and sorts', async () => {
    await catalogue();
    serve(indexer!);
    const { body } = await get('?q=adresses%20rennes');
    expect(body.hits[0].id).toBe(recordId('geobretagne', RENNES));
    expect(body.hits[0].titleHtml).toContain('<mark>');
    expect(body.hits[0].snippet).toContain('<mark>');

    expect((await get('?source=datagouv')).body.hits.map((h) => h.id)).toEqual([recordId('datagouv', BANO)]);
    expect((await get('?bbox=2.0,49.0,3.5,50.5')).body.hits.map((h) => h.id)).not.toContain(recordId('geobretagne', RENNES));
    const page2 = await get('?sort=title&limit=2&page=2');
    expect(page2.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(page2.body.hits).toHaveLength(1);
    const titles = [...(await get('?sort=title&limit=2')).body.hits, ...page2.body.hits].map((h) => h.title);
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'fr')));
    expect((await get('?facets=')).body.facets).toEqual({});
  });

  it('rejects bad and unknown parameters with a 400 naming the parameter and the accepted values', async () => {
    await catalogue();
    serve(indexer!);
    for (const [qs, locator, accepted] of [
      ['?bbox=0,0,200,1', 'bbox', 'minx,miny,maxx,maxy'],
      ['?limit=0', 'limit', 'from 1 to 100'],
      ['?sort=popular', 'sort', 'relevance, date, title'],
      ['?type=map', 'type', 'dataset'],
      ['?from=2021-02-30', 'from', 'YYYY-MM-DD'],
      ['?facets=colour', 'facets', 'organisation'],
      ['?bbbox=0,0,1,1', 'bbbox', 'bbox'],
    ] as const) {
      const { res, body } = await get(qs);
      expect(res.status, qs).toBe(400);
      expect(res.headers.get('access-control-allow-origin'), qs).toBe('*');
      expect(body, qs).toMatchObject({ status: 400, locator, message: expect.stringContaining(accepted) });
      expect(body.error, qs).toMatch(/^(invalid|unknown)_parameter$/);
    }
  });

  it('escapes hostile harvested text: the only markup in a hit is <mark>', async () => {
    await catalogue((xml) => xml.replace(RENNES_TITLE, HOSTILE));
    serve(indexer!);
    const { res, body } = await get('?q=alert');
    expect(res.status).toBe(200);
    const hit = body.hits.find((h) => h.id === recordId('geobretagne', RENNES))!;
    expect(hit.title).toBe('Voies <script>alert("x")</script> & adresses <img src=x onerror=alert(1)>');
    for (const html of [hit.titleHtml, hit.snippet]) {
      expect(html.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    }
    expect(hit.titleHtml).toContain('&lt;script&gt;');
    expect(hit.titleHtml).toContain('&amp;');
  });

  it('answers 503 when the hub has no search index, and CORS preflights', async () => {
    serve('none');
    const { res, body } = await get('?q=eau');
    expect(res.status).toBe(503);
    expect(body).toMatchObject({ error: 'search_unavailable' });
    expect((await get('?nope=1')).res.status).toBe(400);
    const preflight = await fetch(`${base}/api/search`, { method: 'OPTIONS', headers: { origin: 'https://portal.example.org',
      'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('reports the engine, the lag and the documents in /readyz, ready even while the index lags', async () => {
    const region = await source('geobretagne', 'GéoBretagne', { 'geobretagne-bano.xml': null });
    await runHarvest(store.db, region);
    indexer = createIndexer(store.db, index);
    serve(indexer);
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ status: 'ready', search: { engine: 'embedded', lag: 1, documents: 0 } });
    await indexer.drain();
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ search: { engine: 'embedded', lag: 0, documents: 1 } });
  });

  it('stays ready while the index sync fails or the engine is unreachable, and says so', async () => {
    const region = await source('geobretagne', 'GéoBretagne', { 'geobretagne-bano.xml': null });
    await runHarvest(store.db, region);
    const { index: failing, state } = flaky(index);
    state.failures = 1_000;
    indexer = createIndexer(store.db, failing, { retryBaseMs: 60_000 });
    await expect(indexer.drain()).rejects.toThrow('engine down');
    server.removeAllListeners('request');
    server.on('request', createApp({ db: store.db, config: { baseUrl: BASE }, logger: pino({ level: 'silent' }),
      search: { index: failing, indexer } }).callback());
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { search: { lastError: { message: string; attempts: number; nextAttemptAt: string } } };
    expect(body.search).toMatchObject({ engine: 'embedded', lag: 1, lastError: { message: 'engine down for the test', attempts: 1 } });
    expect(Date.parse(body.search.lastError.nextAttemptAt)).toBeGreaterThan(Date.now() + 50_000);

    state.countFails = true;
    const unreachable = await fetch(`${base}/readyz`);
    expect(unreachable.status).toBe(200);
    expect(await unreachable.json()).toMatchObject({ search: { lag: 1, indexError: expect.stringContaining('unreachable') } });
  });

  it('wakes the indexer after an admin harvest, without waiting for its interval', async () => {
    const region = await source('geobretagne', 'GéoBretagne', { 'geobretagne-bano.xml': null });
    indexer = createIndexer(store.db, index, { intervalMs: 600_000 });
    serve(indexer);
    indexer.start();
    // The first tick runs at start, on an empty outbox; the next one is ten minutes away.
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${base}/admin/api/sources/${region.id}/harvest`, { method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const until = Date.now() + 10_000;
    while ((await outboxLag(store.db)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(await outboxLag(store.db)).toBe(0);
    expect((await get('?q=bretagne')).body.total).toBe(1);
  });
});
