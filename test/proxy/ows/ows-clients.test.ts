/**
 * Real upstreams and real clients through `/ows/{service}` (issue 6 "Tests"): Debian's MapProxy (WMS 1.3.0,
 * WMTS KVP and REST, tiles rendered locally by its debug source) and MapServer (WFS 2.0 over a generated GeoJSON,
 * test/helpers/mapserver.ts); OWSLib (WebMapService, WebMapTileService, WebFeatureService) and GDAL (gdalinfo
 * WMTS:, gdal_translate, ogrinfo WFS:) used unmodified. The clients only know the hub's address: everything
 * else they call comes from the rewritten capabilities.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, useStore } from '../../helpers/db.ts';
import { startMapProxy, type MapProxyServer } from '../../helpers/mapproxy.ts';
import { startMapServer, type MapServerServer } from '../../helpers/mapserver.ts';
import { documentUrls } from './document-urls.ts';
import { startHub, type TestHub } from './hub.ts';

const run = promisify(execFile);
const OWSLIB = new URL('./owslib_clients.py', import.meta.url).pathname;

async function owslib<T>(kind: 'wms' | 'wmts' | 'wfs', url: string, layer?: string): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', [OWSLIB, kind, url, ...(layer ? [layer] : [])], { timeout: 60_000, maxBuffer: 8 << 20 });
  return JSON.parse(stdout) as T;
}

async function gdal(tool: string, args: string[]): Promise<string> {
  // No cache, no retries: every request goes to the hub, and a failure fails.
  const env = { ...process.env, GDAL_HTTP_TIMEOUT: '20', CPL_VSIL_CURL_NON_CACHED: '/', GDAL_ENABLE_WMS_CACHE: 'NO', GDAL_DEFAULT_WMS_CACHE_PATH: '/nonexistent' };
  const { stdout } = await run(tool, args, { timeout: 60_000, env, maxBuffer: 8 << 20 });
  return stdout;
}

/** URLs of a document on the upstream's address (must be none once rewritten). */
function onUpstream(xml: string, upstream: string): string[] {
  return documentUrls(xml).map((u) => u.url).filter((u) => u.startsWith(upstream));
}

describe.each(backends.slice(0, 1))('real upstreams and clients through /ows ($name store)', (backend) => {
  const store = useStore(backend, import.meta.url);
  let mp: MapProxyServer;
  let ms: MapServerServer;
  let hub: TestHub;
  let work: string;

  beforeAll(async () => {
    [mp, ms, work] = await Promise.all([startMapProxy({ layers: ['base'] }), startMapServer({ count: 25 }), mkdtemp(path.join(tmpdir(), 'moisson-ows-'))]);
    hub = await startHub(store.db);
  }, 60_000);
  // The store is emptied before each test (test/helpers/db.ts): the services are registered again.
  beforeEach(async () => {
    await hub.register({ id: 'mp-wms', protocol: 'wms', url: `${mp.url}/service` });
    await hub.register({ id: 'mp-wmts', protocol: 'wmts', url: `${mp.url}/service` });
    await hub.register({ id: 'mp-rest', protocol: 'wmts', url: `${mp.url}/wmts/1.0.0/WMTSCapabilities.xml` });
    await hub.register({ id: 'ms-wfs', protocol: 'wfs', url: ms.endpoint });
  });
  afterAll(async () => {
    await hub?.close();
    await Promise.all([mp?.close(), ms?.close(), work ? rm(work, { recursive: true, force: true }) : undefined]);
  });

  it('OWSLib WebMapService reads MapProxy WMS 1.3.0 capabilities through the hub and gets a map', async () => {
    const caps = await (await fetch(`${hub.url}/ows/mp-wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`)).text();
    expect(onUpstream(caps, mp.url)).toEqual([]);
    const out = await owslib<{ layers: string[]; getMapUrl: string; png: boolean; bytes: number }>('wms', `${hub.url}/ows/mp-wms`);
    expect(out.layers).toEqual(['base']);
    expect(out.getMapUrl.startsWith(`${hub.url}/ows/mp-wms`)).toBe(true);
    expect(out.png).toBe(true);
    expect(hub.counts.some((c) => c.service === 'mp-wms' && c.layer === 'base' && c.status === 200 && (c.bytes ?? 0) > 100)).toBe(true);
  });

  it('passes GetFeatureInfo through: the hub answers what MapProxy answers', async () => {
    const q = 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=base&QUERY_LAYERS=base&CRS=EPSG:3857'
      + '&BBOX=-20037508,-20037508,20037508,20037508&WIDTH=256&HEIGHT=256&I=10&J=10&INFO_FORMAT=text/plain&STYLES=';
    const direct = await fetch(`${mp.url}/service?${q}`);
    const proxied = await fetch(`${hub.url}/ows/mp-wms?${q}`);
    const [d, p] = [await direct.text(), await proxied.text()];
    expect(p).toBe(d);
    expect(proxied.headers.get('content-type')).toBe(direct.headers.get('content-type'));
    // MapProxy reports a non-queryable layer as an exception with HTTP 200; the hub gives it a request-error status.
    const isException = /ServiceException/.test(d);
    expect(proxied.status).toBe(isException && direct.status === 200 ? 400 : direct.status);
  });

  it('OWSLib WebMapTileService gets a tile with WMTS KVP, and GDAL reads the layer', async () => {
    const out = await owslib<{ layers: string[]; png: boolean; tileUrl: string }>('wmts', `${hub.url}/ows/mp-wmts`);
    expect(out.layers).toEqual(['base']);
    expect(out.png).toBe(true);
    expect(out.tileUrl.startsWith(`${hub.url}/ows/mp-wmts?`)).toBe(true);
    const info = await gdal('gdalinfo', [`WMTS:${hub.url}/ows/mp-wmts?SERVICE=WMTS&REQUEST=GetCapabilities`]);
    expect(info).toContain('Driver: WMTS/OGC Web Map Tile Service');
    expect(info).toMatch(/Size is \d+, \d+/);
    const png = path.join(work, 'kvp.png');
    await gdal('gdal_translate', ['-q', '-of', 'PNG', '-outsize', '256', '256', `WMTS:${hub.url}/ows/mp-wmts?SERVICE=WMTS&REQUEST=GetCapabilities`, png]);
    expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('WMTS REST: rewritten ResourceURL templates lead OWSLib and GDAL to tiles through the hub', async () => {
    const caps = await (await fetch(`${hub.url}/ows/mp-rest`)).text();
    expect(onUpstream(caps, mp.url)).toEqual([]);
    const templates = documentUrls(caps).filter((u) => u.kind === 'template').map((u) => u.url);
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) expect(t.startsWith(`${hub.url}/ows/mp-rest/-/wmts/`)).toBe(true);
    const out = await owslib<{ png: boolean; tileUrl: string; templates: string[] }>('wmts', `${hub.url}/ows/mp-rest`);
    expect(out.png).toBe(true);
    expect(out.tileUrl.startsWith(`${hub.url}/ows/mp-rest`)).toBe(true);
    const png = path.join(work, 'rest.png');
    await gdal('gdal_translate', ['-q', '-of', 'PNG', '-outsize', '256', '256', `WMTS:${hub.url}/ows/mp-rest`, png]);
    expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('OWSLib WebFeatureService 2.0.0 gets features from MapServer, with the paging link on the hub', async () => {
    const caps = await (await fetch(`${hub.url}/ows/ms-wfs?SERVICE=WFS&REQUEST=GetCapabilities&VERSION=2.0.0`)).text();
    expect(onUpstream(caps, ms.url)).toEqual([]);
    const out = await owslib<{ layers: string[]; getFeatureUrls: string[]; body: string }>('wfs', `${hub.url}/ows/ms-wfs`);
    expect(out.layers).toContain('ms:communes');
    for (const u of out.getFeatureUrls) expect(u.startsWith(`${hub.url}/ows/ms-wfs`)).toBe(true);
    expect(out.body).toContain('<wfs:FeatureCollection');
    expect(out.body).toContain('Commune 1 — Évreux');
    const urls = documentUrls(out.body);
    expect(onUpstream(out.body, ms.url)).toEqual([]);
    const next = urls.find((u) => u.kind === 'paging')!.url;
    expect(next.startsWith(`${hub.url}/ows/ms-wfs?`)).toBe(true);
    expect(urls.filter((u) => u.kind === 'schemaLocation')[0].url.startsWith(`${hub.url}/ows/ms-wfs?`)).toBe(true);
    // The paging link works: the next page, through the hub.
    const page2 = await (await fetch(next)).text();
    expect(page2).toContain('gml:id="communes.3"');
  });

  it('ogrinfo reads the WFS layer (capabilities, DescribeFeatureType, features) through the hub', async () => {
    const info = await gdal('ogrinfo', ['-ro', '-so', '-al', `WFS:${hub.url}/ows/ms-wfs`]);
    expect(info).toContain('Layer name: ms:communes');
    expect(info).toMatch(/Feature Count: 25/);
    expect(info).toMatch(/nom: String/);
    expect(ms.requests.every((r) => !r.includes('key='))).toBe(true);
  });
});
