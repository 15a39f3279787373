/**
 * `GET /ows/{service}/-/<path>` forwards only what the service's documents point at (rule in
 * src/proxy/services/ows.ts), over real HTTP: a local upstream answers every path (a hub that forwarded too much
 * would get 200 "secret") and records what it receives, so each refusal is also checked on the upstream side.
 *
 * The service is registered at `/geo/wmts?SERVICE=WMTS` (its directory: `/geo/`); its capabilities are a small
 * hand-written WMTS 1.0.0 document shaped like swisstopo's: a REST template under `/tiles/1.0.0/roads/default/`
 * and a legend under `/legends/`.
 */
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, useStore } from '../../helpers/db.ts';
import { reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { documentUrls } from './document-urls.ts';
import { startHub, type TestHub } from './hub.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function capabilities(upstream: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">
  <ows:OperationsMetadata><ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP>
    <ows:Get xlink:href="${upstream}/geo/wmts?SERVICE=WMTS&amp;"/></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata>
  <Contents><Layer><ows:Identifier>roads</ows:Identifier>
    <Style isDefault="true"><ows:Identifier>default</ows:Identifier><LegendURL format="image/png" xlink:href="${upstream}/legends/roads.png"/></Style>
    <Format>image/png</Format><TileMatrixSetLink><TileMatrixSet>3857</TileMatrixSet></TileMatrixSetLink>
    <ResourceURL format="image/png" resourceType="tile" template="${upstream}/tiles/1.0.0/roads/default/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.png"/>
  </Layer></Contents>
</Capabilities>
`;
}

describe.each(backends.slice(0, 1))('/ows/{service}/-/ forwards only what the documents point at ($name store)', (backend) => {
  const store = useStore(backend, import.meta.url);
  let up: TestServer;
  let hub: TestHub;
  const capsRequests = () => up.requests.filter((r) => /REQUEST=GetCapabilities/i.test(r.url));
  const get = (path: string) => fetch(`${hub.url}/ows/geo/-${path}`);
  /** A raw request: the path is sent as written (fetch would resolve its dot segments first). */
  const raw = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    request(`${hub.url}/`, { path: `/ows/geo/-${path}` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    }).on('error', reject).end();
  });

  beforeAll(async () => {
    up = await startTestServer();
    up.routes.push(
      { path: '/geo/wmts', handler: (_r, res) => { res.writeHead(200, { 'content-type': 'application/xml' }); res.end(capabilities(up.url)); } },
      { path: /^\/tiles\/1\.0\.0\/roads\/default\/3857\/\d+\/\d+\/\d+\.png$/, handler: reply(200, PNG as unknown as string, { 'content-type': 'image/png' }) },
      { path: '/legends/roads.png', handler: reply(200, PNG as unknown as string, { 'content-type': 'image/png' }) },
      { path: '/geo/static/style.sld', handler: reply(200, 'sld', { 'content-type': 'text/plain' }) },
      // Everything else on the origin (the "other APIs" of the host): a hub that forwards it gets the secret.
      { path: /./, handler: reply(200, 'secret', { 'content-type': 'text/plain' }) },
    );
  });
  afterAll(async () => {
    await up?.close();
  });
  beforeEach(async () => {
    up.requests.length = 0;
    hub = await startHub(store.db);
    await hub.register({ id: 'geo', protocol: 'wmts', url: `${up.url}/geo/wmts?SERVICE=WMTS` });
  });
  afterEach(async () => {
    await hub.close();
  });

  it('serves the tiles and the legend its capabilities point at, once a client has read them', async () => {
    const xml = await (await fetch(`${hub.url}/ows/geo?REQUEST=GetCapabilities`)).text();
    const template = documentUrls(xml).find((u) => u.kind === 'template')!.url;
    expect(template).toBe(`${hub.url}/ows/geo/-/tiles/1.0.0/roads/default/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.png`);
    const tile = await fetch(template.replace('{TileMatrixSet}', '3857').replace('{TileMatrix}', '7').replace('{TileCol}', '66').replace('{TileRow}', '45'));
    expect(tile.status).toBe(200);
    expect(Buffer.from(await tile.arrayBuffer())).toEqual(PNG);
    const legend = documentUrls(xml).find((u) => u.element === 'LegendURL')!.url;
    expect(legend).toBe(`${hub.url}/ows/geo/-/legends/roads.png`);
    expect((await fetch(legend)).status).toBe(200);
    expect(up.requests.map((r) => r.url)).toEqual(['/geo/wmts?SERVICE=WMTS&REQUEST=GetCapabilities',
      '/tiles/1.0.0/roads/default/3857/7/66/45.png', '/legends/roads.png']);
  });

  it('refuses other paths of the origin with a 403 exception report in the request dialect; the upstream never sees them', async () => {
    await (await fetch(`${hub.url}/ows/geo?REQUEST=GetCapabilities`)).text();
    const admin = await get('/admin');
    expect(admin.status).toBe(403);
    expect(admin.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
    const text = await admin.text();
    expect(text).toMatch(/<ows:ExceptionReport[^>]*version="1.0.0"/);
    expect(text).toContain('exceptionCode="NoApplicableCode" locator="/admin"');
    expect(text).toContain('The path /admin is not one the documents of service "geo" point at');
    const wms = await (await get('/other-api/v1/keys?SERVICE=WMS')).text();
    expect(wms).toContain('<ServiceExceptionReport');
    expect(wms).toContain('The path /other-api/v1/keys is not one the documents of service "geo" point at');
    // Beside the template's directory, above it, and the registered endpoint's parent: all outside.
    for (const path of ['/tiles/1.0.0/other/x.png', '/tiles/x.png', '/legends2/roads.png', '/', '/Geo/static/style.sld']) {
      expect([path, (await get(path)).status]).toEqual([path, 403]);
    }
    expect(up.requests.map((r) => r.url)).toEqual(['/geo/wmts?SERVICE=WMTS&REQUEST=GetCapabilities']);
  });

  it('reads unread capabilities once, shared by concurrent requests, then serves or refuses', async () => {
    const tile = (col: number) => get(`/tiles/1.0.0/roads/default/3857/7/${col}/45.png`);
    const answers = await Promise.all([tile(1), tile(2), tile(3), get('/admin'), get('/other-api/')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 403, 403]);
    expect((await get('/admin')).status).toBe(403);
    expect(capsRequests().map((r) => r.url)).toEqual(['/geo/wmts?SERVICE=WMTS&REQUEST=GetCapabilities']);
    expect(up.requests.filter((r) => !/^\/(tiles\/1\.0\.0\/roads|geo\/wmts)/.test(r.url))).toEqual([]);
  });

  it('refuses `..`, encoded slashes, backslashes and broken encodings that leave an allowed directory', async () => {
    await (await fetch(`${hub.url}/ows/geo?REQUEST=GetCapabilities`)).text();
    const tricks = [
      '/geo/../admin', // literal dot segments, resolved before the decision
      '/geo/%2e%2e/admin',
      '/geo/..%2Fadmin', // an upstream that decodes %2F before resolving dots sees /admin
      '/tiles/1.0.0/roads/default/..%2F..%2F..%2F..%2Fadmin',
      '/geo/x%2F%2F..%2F..%2Fadmin', // nginx merges the slashes first: /admin
      '/geo/..%5Cadmin', // IIS reads \ as /
      '/geo/..;/admin', // Tomcat reads ..; as ..
      '/legends%2Froads.png', // one segment at the root: %2F does not make it /legends/
      '/geo%2Fstatic%2Fstyle.sld',
      '/geo/%zz',
    ];
    for (const path of tricks) {
      const res = await raw(path);
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.body).toContain('is not one the documents of service "geo" point at');
    }
    // Dot segments that stay inside an allowed directory are fine.
    expect(await raw('/geo/sub/../static/style.sld')).toEqual({ status: 200, body: 'sld' });
    expect(up.requests.map((r) => r.url)).toEqual(['/geo/wmts?SERVICE=WMTS&REQUEST=GetCapabilities', '/geo/static/style.sld']);
  });

  it('forwards a path under the registered directory before any capabilities were read', async () => {
    const res = await get('/geo/static/style.sld');
    expect([res.status, await res.text()]).toEqual([200, 'sld']);
    expect(up.requests.map((r) => r.url)).toEqual(['/geo/static/style.sld']);
  });
});
