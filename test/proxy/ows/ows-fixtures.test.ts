/**
 * `/ows/{service}` over real HTTP against a local server that serves the captured capabilities of
 * ../shared/fixtures/ows (their upstream origin replaced by the local server's, every spelling of it: the
 * spellings themselves are covered by rewrite.test.ts on the original documents), and fails on any request no
 * route expects. Rewriting, pass-through, exception statuses, gzip, limits, access keys and the refusal to reach
 * anything but the registered origin.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccessKey } from '../../../src/store/services.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { startTestServer, reply, type Handler, type Route, type TestServer } from '../../helpers/http-server.ts';
import { CAPABILITIES, nodeEncoding } from './captured.ts';
import { documentUrls, hostOf } from './document-urls.ts';
import { startHub, type TestHub } from './hub.ts';

const OWS = new URL('../../../../shared/fixtures/ows/', import.meta.url);

/** A captured document with every URL of `host` moved to the test server. */
function captured(file: string, host: string, to: () => string, type = 'text/xml; charset=UTF-8'): Handler {
  const text = readFileSync(new URL(file, OWS), 'utf8');
  const pattern = new RegExp(`https?://${host.replace(/\./g, '\\.')}(:\\d+)?`, 'gi');
  return (_req, res) => {
    const body = Buffer.from(text.replace(pattern, to()), 'utf8');
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  };
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function featureCollection(upstream: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:cr_hdf="http://cr_hdf"
 xsi:schemaLocation="http://cr_hdf ${upstream}/geoserver/cr_hdf/wfs?service=WFS&amp;version=2.0.0&amp;request=DescribeFeatureType&amp;typeName=cr_hdf%3Aepci http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"
 numberMatched="3" numberReturned="1" timeStamp="2024-01-01T00:00:00Z"
 next="${upstream}/geoserver/cr_hdf/wfs?SERVICE=WFS&amp;VERSION=2.0.0&amp;REQUEST=GetFeature&amp;TYPENAMES=cr_hdf%3Aepci&amp;STARTINDEX=1&amp;COUNT=1">
  <wfs:member><cr_hdf:epci gml:id="epci.1"><cr_hdf:nom>Amiens Métropole</cr_hdf:nom><cr_hdf:site>${upstream}/kept-as-is</cr_hdf:site></cr_hdf:epci></wfs:member>
</wfs:FeatureCollection>
`;
}

describe.each(backends.slice(0, 1))('/ows/{service} against captured documents ($name store)', (backend) => {
  const store = useStore(backend, import.meta.url);
  let up: TestServer;
  let other: TestServer;
  let hub: TestHub;
  /** The test server's route table is its own array: replaced in place. */
  const setRoutes = (routes: Route[]) => up.routes.splice(0, up.routes.length, ...routes);

  beforeAll(async () => {
    up = await startTestServer();
    other = await startTestServer();
  });
  afterAll(async () => {
    await up?.close();
    await other?.close();
  });
  beforeEach(async () => {
    up.requests.length = 0;
    up.unexpected.length = 0;
    hub = await startHub(store.db);
  });
  afterEach(async () => {
    await hub.close();
    expect(up.unexpected).toEqual([]);
    expect(other.requests).toEqual([]);
  });

  const upstreamUrls = (xml: string) => documentUrls(xml).filter((u) => u.url.startsWith(up.url) || hostOf(u.url) === 'www.dov.vlaanderen.be');

  it('rewrites WMS capabilities (DOV GeoServer): every URL on the hub, foreign ones kept', async () => {
    setRoutes([{ path: '/geoserver/gw_meetnetten/meetnetten/ows', handler: captured('wms/dov-wms-1.3.0-inspire.xml', 'www.dov.vlaanderen.be', () => up.url) }]);
    await hub.register({ id: 'dov', protocol: 'wms', url: `${up.url}/geoserver/gw_meetnetten/meetnetten/ows` });
    const res = await fetch(`${hub.url}/ows/dov?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
    const xml = await res.text();
    expect(upstreamUrls(xml)).toEqual([]);
    const dcp = documentUrls(xml).filter((u) => u.kind === 'dcp');
    expect(dcp.length).toBeGreaterThanOrEqual(3);
    for (const u of dcp) expect(u.url).toBe(`${hub.url}/ows/dov?SERVICE=WMS&`);
    expect(xml).toContain(`${hub.url}/ows/dov?service=WMS&amp;request=GetLegendGraphic&amp;format=image%2Fpng`);
    expect(up.requests[0].url).toBe('/geoserver/gw_meetnetten/meetnetten/ows?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0');
    // fetch asks for gzip: the bytes counted are the compressed ones sent.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(hub.counts).toEqual([expect.objectContaining({ service: 'dov', status: 200 })]);
    expect(hub.counts[0].bytes).toBeGreaterThan(1000);
    expect(hub.counts[0].bytes).toBeLessThan(Buffer.byteLength(xml) / 2);
  });

  it.each(CAPABILITIES)('%s through the hub: every service URL on the hub, none left on the upstream', async (file, registered) => {
    const upstream = new URL(registered);
    const enc = nodeEncoding(file);
    const text = readFileSync(new URL(file, OWS)).toString(enc);
    const pattern = new RegExp(`https?://${upstream.hostname.replace(/\./g, '\\.')}(:\\d+)?`, 'gi');
    setRoutes([{ path: upstream.pathname, handler: (_r, res) => {
      const body = Buffer.from(text.replace(pattern, up.url), enc);
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length });
      res.end(body);
    } }]);
    await hub.register({ id: 'cap', protocol: file.startsWith('wfs') ? 'wfs' : file.startsWith('wmts') ? 'wmts' : 'wms',
      url: `${up.url}${upstream.pathname}${upstream.search}` });
    const res = await fetch(`${hub.url}/ows/cap?REQUEST=GetCapabilities`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=UTF-8');
    const xml = await res.text();
    expect(documentUrls(xml).filter((u) => u.url.startsWith(up.url))).toEqual([]);
    const service = documentUrls(xml).filter((u) => u.kind === 'dcp' || u.kind === 'template');
    expect(service.length).toBeGreaterThan(0);
    expect(service.filter((u) => !u.url.startsWith(`${hub.url}/ows/cap`))).toEqual([]);
  });

  it('gzips rewritten capabilities for clients that accept it, and sends them plain otherwise', async () => {
    setRoutes([{ path: '/wms', handler: captured('wms/eea-biodiscomap-arcgis-wms-1.3.0.xml', 'bio.discomap.eea.europa.eu', () => up.url) }]);
    await hub.register({ id: 'eea', protocol: 'wms', url: `${up.url}/wms` });
    const { request } = await import('node:http');
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${hub.url}/ows/eea?service=WMS&request=GetCapabilities`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    const plain = await (await fetch(`${hub.url}/ows/eea?service=WMS&request=GetCapabilities`, { headers: { 'accept-encoding': 'identity' } })).text();
    expect(gunzipSync(raw.body).toString('utf8')).toBe(plain);
    expect(raw.body.length).toBeLessThan(Buffer.byteLength(plain) / 3);
    expect(upstreamUrls(plain)).toEqual([]);
  });

  it('rewrites WMTS REST capabilities (swisstopo, 1.5 MB) and serves a tile through a rewritten template', async () => {
    setRoutes([
      { path: '/EPSG/3857/1.0.0/WMTSCapabilities.xml', handler: captured('wmts/swisstopo-wmts-3857.xml', 'wmts.geo.admin.ch', () => up.url) },
      { path: '/1.0.0/ch.are.alpenkonvention/default/current/3857/7/66/45.png', handler: reply(200, PNG as unknown as string, { 'content-type': 'image/png' }) },
    ]);
    await hub.register({ id: 'swisstopo', protocol: 'wmts', url: `${up.url}/EPSG/3857/1.0.0/WMTSCapabilities.xml` });
    const t0 = performance.now();
    const xml = await (await fetch(`${hub.url}/ows/swisstopo`)).text();
    console.log(`swisstopo capabilities through the hub: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(upstreamUrls(xml)).toEqual([]);
    const templates = documentUrls(xml).filter((u) => u.kind === 'template');
    expect(templates.length).toBeGreaterThan(600);
    const template = templates.find((t) => t.url.includes('ch.are.alpenkonvention'))!.url;
    expect(template).toBe(`${hub.url}/ows/swisstopo/-/1.0.0/ch.are.alpenkonvention/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png`);
    const tile = await fetch(template.replace('{Time}', 'current').replace('{TileMatrix}', '7').replace('{TileCol}', '66').replace('{TileRow}', '45'));
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await tile.arrayBuffer())).toEqual(PNG);
  });

  it('rewrites capabilities labelled with a wrong media type (IGN WMTS as text/plain), and answers HEAD without a body', async () => {
    setRoutes([{ path: '/geoportail/wmts', handler: captured('wmts/ign-wmts.xml', 'wxs.ign.fr', () => up.url, 'text/plain') }]);
    await hub.register({ id: 'ign', protocol: 'wmts', url: `${up.url}/geoportail/wmts` });
    const xml = await (await fetch(`${hub.url}/ows/ign?SERVICE=WMTS&REQUEST=GetCapabilities`)).text();
    expect(upstreamUrls(xml)).toEqual([]);
    expect(documentUrls(xml).filter((u) => u.kind === 'dcp').map((u) => u.url)).toEqual([`${hub.url}/ows/ign?`, `${hub.url}/ows/ign?`]);
    const head = await fetch(`${hub.url}/ows/ign?SERVICE=WMTS&REQUEST=GetCapabilities`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(up.requests.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });

  it('rewrites only the root of a GetFeature answer: next and schemaLocation on the hub, features untouched', async () => {
    setRoutes([{ path: '/geoserver/cr_hdf/wfs', handler: (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/gml+xml; version=3.2' });
      res.end(featureCollection(up.url));
    } }]);
    await hub.register({ id: 'g2f', protocol: 'wfs', url: `${up.url}/geoserver/cr_hdf/wfs` });
    const res = await fetch(`${hub.url}/ows/g2f?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=cr_hdf:epci&COUNT=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gml+xml; version=3.2');
    const xml = await res.text();
    const paging = documentUrls(xml).find((u) => u.kind === 'paging')!;
    expect(paging.url).toBe(`${hub.url}/ows/g2f?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=cr_hdf%3Aepci&STARTINDEX=1&COUNT=1`);
    expect(documentUrls(xml).filter((u) => u.kind === 'schemaLocation')[0].url).toMatch(new RegExp(`^${hub.url}/ows/g2f\\?service=WFS`));
    const tail = (s: string) => s.slice(s.indexOf('<wfs:member>'));
    expect(tail(xml)).toBe(tail(featureCollection(up.url)));
    expect(hub.counts[0]).toMatchObject({ service: 'g2f', layer: 'cr_hdf:epci', status: 200 });
  });

  it('forwards POST requests with their XML body and content type', async () => {
    setRoutes([{ method: 'POST', path: '/geoserver/cr_hdf/wfs', handler: (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(featureCollection(up.url));
    } }]);
    await hub.register({ id: 'g2fpost', protocol: 'wfs', url: `${up.url}/geoserver/cr_hdf/wfs` });
    const body = '<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:Query typeNames="cr_hdf:epci"/></wfs:GetFeature>';
    const res = await fetch(`${hub.url}/ows/g2fpost`, { method: 'POST', body, headers: { 'content-type': 'application/xml', cookie: 'session=secret' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`next="${hub.url}/ows/g2fpost?SERVICE=WFS`);
    expect(up.requests[0]).toMatchObject({ method: 'POST', body });
    expect(up.requests[0].headers['content-type']).toBe('application/xml');
    expect(up.requests[0].headers.cookie).toBeUndefined();
    const big = await fetch(`${hub.url}/ows/g2fpost`, { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024), headers: { 'content-type': 'application/xml' } });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain('Request body larger than');
    expect(up.requests).toHaveLength(1);
  });

  it('passes an upstream exception report sent with 200 with the status of its code', async () => {
    const ex = (file: string): Handler => (_r, res) => { res.writeHead(200, { 'content-type': 'text/xml' }); res.end(readFileSync(new URL(file, OWS))); };
    setRoutes([
      { path: /REQUEST=Bad/, handler: ex('exceptions/wms-service-exception-1.3.0.xml') },
      { path: /REQUEST=FooBar/, handler: ex('exceptions/wfs-ows-exception-2.0.0.xml') },
      { path: /REQUEST=Nope/, handler: (_r, res) => { res.writeHead(200, { 'content-type': 'application/vnd.ogc.se_xml' });
        res.end('<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc"><ServiceException code="OperationNotSupported">no</ServiceException></ServiceExceptionReport>'); } },
      { path: /REQUEST=Broken/, handler: (_r, res) => { res.writeHead(500, { 'content-type': 'text/xml' });
        res.end('<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="2.0.0"><ows:Exception exceptionCode="InvalidParameterValue"/></ows:ExceptionReport>'); } },
    ]);
    const huge = `<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc"><ServiceException>${'x'.repeat(300_000)}</ServiceException></ServiceExceptionReport>`;
    up.routes.push({ path: /REQUEST=Huge/, handler: reply(200, huge, { 'content-type': 'text/xml' }) });
    await hub.register({ id: 'exc', protocol: 'wms', url: `${up.url}/ows` });
    const bad = await fetch(`${hub.url}/ows/exc?SERVICE=WMS&REQUEST=Bad`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('text/xml');
    expect(await bad.text()).toBe(readFileSync(new URL('exceptions/wms-service-exception-1.3.0.xml', OWS), 'utf8'));
    expect((await fetch(`${hub.url}/ows/exc?SERVICE=WFS&REQUEST=FooBar`)).status).toBe(400);
    const nope = await fetch(`${hub.url}/ows/exc?SERVICE=WMS&REQUEST=Nope`);
    expect(nope.status).toBe(501);
    expect(nope.headers.get('content-type')).toBe('application/vnd.ogc.se_xml');
    expect((await fetch(`${hub.url}/ows/exc?SERVICE=WFS&REQUEST=Broken`)).status).toBe(500);
    // Beyond 256 KB a "report" is not read whole: relayed as it came, status included.
    const big = await fetch(`${hub.url}/ows/exc?SERVICE=WMS&REQUEST=Huge`);
    expect([big.status, await big.text()]).toEqual([200, huge]);
    expect(hub.counts.map((c) => c.status)).toEqual([400, 400, 501, 500, 200]);
  });

  it('answers hub errors with an exception report in the dialect of the request', async () => {
    const wms = await fetch(`${hub.url}/ows/nosuch?SERVICE=WMS&REQUEST=GetMap`);
    expect(wms.status).toBe(404);
    expect(wms.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
    const wmsText = await wms.text();
    expect(wmsText).toContain('<ServiceExceptionReport');
    expect(wmsText).toContain('No service "nosuch" is proxied by this hub.');
    const wfs = await (await fetch(`${hub.url}/ows/nosuch?service=wfs&request=GetFeature`)).text();
    expect(wfs).toMatch(/<ows:ExceptionReport[^>]*version="2.0.0"/);
    expect(wfs).toContain('exceptionCode="InvalidParameterValue" locator="nosuch"');
    await hub.register({ id: 'tiles-only', protocol: 'xyz', url: `${up.url}/tiles` });
    expect((await fetch(`${hub.url}/ows/tiles-only?SERVICE=WMS`)).status).toBe(404);
  });

  it('turns an unreachable, slow or oversized upstream into a 502/504 report naming the service and the host', async () => {
    await hub.register({ id: 'down', protocol: 'wms', url: 'http://127.0.0.1:9/wms' });
    const down = await fetch(`${hub.url}/ows/down?SERVICE=WMS&REQUEST=GetCapabilities`);
    expect(down.status).toBe(502);
    expect(await down.text()).toMatch(/service "down" \(127\.0\.0\.1:9\)/);
    setRoutes([
      { path: '/slow', handler: async (_r, res) => { await new Promise((r) => setTimeout(r, 1500)); res.writeHead(200); res.end(); } },
      { path: '/big', handler: (_r, res) => { res.writeHead(200, { 'content-type': 'text/xml' }); res.end(`<WMS_Capabilities>${'x'.repeat(20_000)}</WMS_Capabilities>`); } },
    ]);
    await hub.register({ id: 'slow', protocol: 'wmts', url: `${up.url}/slow`, politeness: { concurrency: 2, timeoutMs: 300, maxBytes: 1000 } });
    const slow = await fetch(`${hub.url}/ows/slow?SERVICE=WMTS&REQUEST=GetCapabilities`);
    expect(slow.status).toBe(504);
    const slowText = await slow.text();
    expect(slowText).toMatch(/<ows:ExceptionReport[^>]*version="1.0.0"/);
    expect(slowText).toContain('No answer from service "slow"');
    await hub.register({ id: 'big', protocol: 'wms', url: `${up.url}/big`, politeness: { concurrency: 2, timeoutMs: 2000, maxBytes: 1000 } });
    const big = await fetch(`${hub.url}/ows/big?SERVICE=WMS&REQUEST=GetCapabilities`);
    expect(big.status).toBe(502);
    expect(await big.text()).toContain('larger than its limit of 1000 bytes');
  });

  it('passes maps and feature info through untouched, with the upstream encoding when the client accepts it', async () => {
    const html = '<html><body><table><tr><td>Amiens</td></tr></table></body></html>';
    setRoutes([
      { path: /REQUEST=GetMap/, handler: reply(200, PNG as unknown as string, { 'content-type': 'image/png', etag: '"t1"', 'set-cookie': 'x=1' }) },
      { path: /REQUEST=GetFeatureInfo/, handler: (_r, res) => {
        const gz = gzipSync(html);
        res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', 'content-encoding': 'gzip', 'content-length': gz.length });
        res.end(gz);
      } },
    ]);
    await hub.register({ id: 'maps', protocol: 'wms', url: `${up.url}/wms` });
    const map = await fetch(`${hub.url}/ows/maps?SERVICE=WMS&REQUEST=GetMap&LAYERS=a,b&CRS=EPSG:3857&BBOX=0,0,1,1`);
    expect(map.status).toBe(200);
    expect(map.headers.get('etag')).toBe('"t1"');
    expect(map.headers.get('set-cookie')).toBeNull();
    expect(Buffer.from(await map.arrayBuffer())).toEqual(PNG);
    expect(up.requests[0].url).toBe('/wms?SERVICE=WMS&REQUEST=GetMap&LAYERS=a,b&CRS=EPSG:3857&BBOX=0,0,1,1');
    const info = await fetch(`${hub.url}/ows/maps?SERVICE=WMS&REQUEST=GetFeatureInfo&QUERY_LAYERS=a`, { headers: { 'accept-encoding': 'gzip' } });
    expect(info.headers.get('content-encoding')).toBe('gzip');
    expect(await info.text()).toBe(html); // fetch decodes it
    const { request } = await import('node:http');
    const plain = await new Promise<{ enc: unknown; body: string }>((resolve, reject) => {
      request(`${hub.url}/ows/maps?SERVICE=WMS&REQUEST=GetFeatureInfo&QUERY_LAYERS=a`, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(chunks).toString() }));
      }).on('error', reject).end();
    });
    expect(plain).toEqual({ enc: undefined, body: html });
    expect(hub.counts.map((c) => c.layer)).toEqual(['a,b', 'a', 'a']);
  });

  it('restricted service: 401 with a Basic challenge, then the key carried into rewritten URLs and never sent upstream', async () => {
    setRoutes([{ path: '/geoserver/cr_hdf/wfs', handler: captured('wfs/geo2france-wfs-2.0.0.xml', 'www.geo2france.fr', () => up.url) }]);
    await hub.register({ id: 'secret', protocol: 'wfs', url: `${up.url}/geoserver/cr_hdf/wfs`, access: 'restricted' });
    const none = await fetch(`${hub.url}/ows/secret?SERVICE=WFS&REQUEST=GetCapabilities`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="moisson secret"');
    expect(await none.text()).toContain('ows:ExceptionReport');
    const { secret } = await createAccessKey(store.db, 'test', ['secret']);
    const res = await fetch(`${hub.url}/ows/secret?SERVICE=WFS&REQUEST=GetCapabilities&key=${secret}`, { headers: { authorization: 'Bearer user-token' } });
    expect(res.status).toBe(200);
    const xml = await res.text();
    const dcp = documentUrls(xml).filter((u) => u.kind === 'dcp');
    expect(dcp.length).toBeGreaterThan(3);
    for (const u of dcp) expect(u.url.startsWith(`${hub.url}/ows/secret?key=${secret}`)).toBe(true);
    const basic = await fetch(`${hub.url}/ows/secret?SERVICE=WFS&REQUEST=GetCapabilities`, { headers: { authorization: `Basic ${Buffer.from(`qgis:${secret}`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    expect(await basic.text()).not.toContain(secret);
    for (const r of up.requests) {
      expect(r.url).not.toContain(secret);
      expect(r.headers.authorization).toBeUndefined();
    }
    expect(up.requests).toHaveLength(2);
    expect(hub.counts.map((c) => [c.status, c.key ?? null])).toEqual([[401, null], [200, expect.any(String)], [200, expect.any(String)]]);
  });

  it('frees the upstream connection when the client goes away in the middle of a rewritten document', async () => {
    const caps = readFileSync(new URL('wmts/nasa-gibs-eosdis-wmts.xml', OWS));
    setRoutes([
      { path: '/stall', handler: (_r, res) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.write(caps.subarray(0, 20_000)); // …and never the rest
      } },
      { path: '/stall/quick', handler: reply(200, PNG as unknown as string, { 'content-type': 'image/png' }) },
    ]);
    await hub.register({ id: 'one', protocol: 'wmts', url: `${up.url}/stall`, politeness: { concurrency: 1, timeoutMs: 4000, maxBytes: 1_000_000 } });
    const controller = new AbortController();
    const res = await fetch(`${hub.url}/ows/one?SERVICE=WMTS&REQUEST=GetCapabilities`, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    const reader = res.body!.getReader();
    expect((await reader.read()).value!.length).toBeGreaterThan(0);
    controller.abort();
    // With its only slot still taken, this would wait for the 4 s timeout and fail with 504.
    const t0 = performance.now();
    const next = await fetch(`${hub.url}/ows/one/-/stall/quick`);
    expect(next.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('never reaches another host: crafted paths, encoded characters, the registered parameters, redirects', async () => {
    const echo = (req: { url: string }, res: import('node:http').ServerResponse) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(req.url); };
    setRoutes([
      { path: /^\/cgi\/redirect/, handler: reply(302, '', { location: `${other.url}/stolen` }) },
      { path: /^\/cgi/, handler: echo },
      { path: /^\/(\/|@|%40|%2F|\.\.|127)/i, handler: echo },
    ]);
    await hub.register({ id: 'mapserv', protocol: 'wms', url: `${up.url}/cgi/mapserv?map=/srv/allowed.map` });
    const port = new URL(other.url).port;
    const text = async (path: string) => { const r = await fetch(`${hub.url}${path}`); return [r.status, await r.text()] as const; };
    // The registered map= wins over the client's, whatever its case.
    expect(await text('/ows/mapserv?MAP=/etc/passwd&SERVICE=WMS')).toEqual([200, '/cgi/mapserv?map=/srv/allowed.map&SERVICE=WMS']);
    expect(await text(`/ows/mapserv?SERVICE=WMS&url=${encodeURIComponent(other.url)}`)).toEqual([200, `/cgi/mapserv?map=/srv/allowed.map&SERVICE=WMS&url=${encodeURIComponent(other.url)}`]);
    // Inside the registered directory, crafted paths reach this origin only; outside it (the root here), they are
    // refused before any request. Either way the other host sees nothing (afterEach).
    for (const path of [`/cgi//127.0.0.1:${port}/x`, `/cgi/@127.0.0.1:${port}/x`, `/cgi/%2F%2F127.0.0.1:${port}/x`, `/cgi/%40127.0.0.1:${port}/x`]) {
      const [status, body] = await text(`/ows/mapserv/-${path}`);
      expect([status, body.startsWith('/cgi/')]).toEqual([200, true]);
    }
    for (const path of [`//127.0.0.1:${port}/x`, `/@127.0.0.1:${port}/x`, `/%2F%2F127.0.0.1:${port}/x`, `/cgi/..%2F..%2F127.0.0.1:${port}/x`]) {
      expect((await text(`/ows/mapserv/-${path}`))[0]).toBe(403);
    }
    const redirected = await fetch(`${hub.url}/ows/mapserv/-/cgi/redirect?SERVICE=WMS`);
    expect(redirected.status).toBe(502);
    expect(await redirected.text()).toContain('outside its registered origin');
  });
});
