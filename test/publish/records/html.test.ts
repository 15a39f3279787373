import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Koa from 'koa';
import Router from '@koa/router';
import { recordsRoutes } from '../../../src/publish/records/routes.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { publishFixtures, recordsServer, SCRIPT_ID, type Published } from './catalogue.ts';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function getHtml(url: string, headers: Record<string, string> = BROWSER): Promise<{ status: number; type: string; html: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', html: await res.text() };
}

/** No markup from a harvested document survives: no element, no event handler, no javascript: link. */
function expectNoInjection(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<b>/);
  expect(html).not.toMatch(/href="javascript:/i);
}

describe.each(backends)('OGC API - Records HTML pages on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: { url: string; close(): Promise<void> };
  let published: Published[];

  beforeAll(async () => {
    server = await recordsServer(store.db);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    published = await publishFixtures(store.db);
  });

  it('escapes a harvested title, abstract and link in the record page', async () => {
    const { status, type, html } = await getHtml(`${server.url}/collections/all/items/${encodeURIComponent(SCRIPT_ID)}`);
    expect(status).toBe(200);
    expect(type).toContain('text/html');
    expectNoInjection(html);
    expect(html).toContain('<title>&lt;script&gt;alert(&#39;moisson&#39;)&lt;/script&gt; Carte &amp; &quot;plan&quot;</title>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // An online resource at a javascript: address is left out; the download is a link.
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<a href="https://example.org/data.zip">Téléchargement</a>');
  });

  it('escapes harvested text in the search results and keeps the query in the form', async () => {
    const { html } = await getHtml(`${server.url}/collections/pycsw/items?q=alert&f=html`);
    expectNoInjection(html);
    expect(html).toContain('&lt;script&gt;alert(&#39;moisson&#39;)&lt;/script&gt;');
    expect(html).toContain('name="q" value="alert"');
    expect(html).toContain(`href="${server.url}/collections/pycsw/items/${encodeURIComponent(SCRIPT_ID).replace(/&/g, '&amp;')}?f=html&amp;lang=fr"`);
  });

  it('is French by default, English with lang=en or Accept-Language, and links to the other language', async () => {
    const fr = await getHtml(`${server.url}/collections?f=html`);
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain('Toutes les fiches');
    expect(fr.html).toContain('lang=en');
    const en = await getHtml(`${server.url}/collections?f=html&lang=en`);
    expect(en.html).toContain('<html lang="en">');
    expect(en.html).toContain('All records');
    const negotiated = await getHtml(`${server.url}/collections`, { ...BROWSER, 'accept-language': 'en-GB,en;q=0.9' });
    expect(negotiated.html).toContain('<html lang="en">');
  });

  it('pages the results with links that keep the query', async () => {
    const first = await getHtml(`${server.url}/collections/all/items?limit=5&type=dataset&f=html`);
    const datasets = published.filter((r) => r.values.type === 'dataset').length;
    expect(first.html).toContain(`Fiches 1 à 5 sur ${datasets}`);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.html)![1].replace(/&amp;/g, '&');
    expect(new URL(next).searchParams.get('type')).toBe('dataset');
    const second = await getHtml(next);
    expect(second.html).toContain(`Fiches 6 à 10 sur ${datasets}`);
    expect(second.html).toContain('rel="prev"');
  });

  it('renders the landing page, the conformance classes and a collection for browsers', async () => {
    const landing = await getHtml(`${server.url}/`);
    expect(landing.type).toContain('text/html');
    expect(landing.html).toContain(`${server.url}/collections?f=html`);
    const conformance = await getHtml(`${server.url}/conformance`);
    expect(conformance.html).toContain('http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/records-api');
    const collection = await getHtml(`${server.url}/collections/bretagne`);
    expect(collection.html).toContain('GéoBretagne');
    expect(collection.html).toContain('role="search"');
  });

  it('shows errors to browsers as an escaped HTML page with the right status', async () => {
    const missing = await getHtml(`${server.url}/collections/${encodeURIComponent('<b>x</b>')}`);
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('text/html');
    expectNoInjection(missing.html);
    expect(missing.html).toContain('&lt;b&gt;x&lt;/b&gt;');
    const bad = await getHtml(`${server.url}/collections/all/items?bbox=nope&f=html`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('bbox');
  });

  it('leaves the HTML root to the portal with landingHtml: false, and still answers JSON there', async () => {
    const app = new Koa();
    const router = new Router();
    recordsRoutes(router, { db: store.db, config: { baseUrl: 'https://hub.example.fr' } }, { landingHtml: false });
    router.get('/', (ctx) => {
      ctx.body = 'portal';
    });
    app.use(router.routes());
    const call = (accept: string, query = '') => new Promise<{ status: number; body: string }>((resolve) => {
      const server = app.listen(0, '127.0.0.1', async () => {
        const { port } = server.address() as { port: number };
        const r = await fetch(`http://127.0.0.1:${port}/${query}`, { headers: { accept } });
        resolve({ status: r.status, body: await r.text() });
        server.close();
      });
    });
    expect((await call(BROWSER.accept)).body).toBe('portal');
    expect((await call(BROWSER.accept, '?f=html')).body).toBe('portal');
    expect(JSON.parse((await call(BROWSER.accept, '?f=json')).body).links.length).toBeGreaterThan(0);
    expect(JSON.parse((await call('application/json')).body).title).toBeTruthy();
  });
});
