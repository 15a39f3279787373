/**
 * Tiles through the hub from a real upstream, Debian's MapProxy (test/helpers/mapproxy.ts): TMS (rows from
 * the south, `{-y}`), WMTS KVP GetTile and WMTS REST templates from the upstream capabilities give the same
 * bytes as MapProxy serves for the same tile. The hub's own WMTS capabilities are read by real clients,
 * OWSLib's WebMapTileService and GDAL's WMTS driver, which fetch tiles through the URLs it publishes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { backends, useStore } from '../../helpers/db.ts';
import { startMapProxy, type MapProxyServer } from '../../helpers/mapproxy.ts';
import { putService } from '../../../src/store/services.ts';
import { forgetWmtsCapabilities } from '../../../src/proxy/services/tiles-source.ts';
import { removeDir, startTileHub, tileService, type TileHub } from './hub.ts';

const run = promisify(execFile);
const OWSLIB_SCRIPT = fileURLToPath(new URL('./owslib_wmts.py', import.meta.url));

describe.each(backends)('tiles from MapProxy on $name', (backend) => {
  const store = useStore(backend, import.meta.url, { truncate: false });
  let mp: MapProxyServer;
  let hub: TileHub;

  beforeAll(async () => {
    mp = await startMapProxy({ layers: ['base', 'ortho'] });
    // MapProxy's /tiles/1.0.0 with origin=sw: TMS rows from the south, usual zoom levels (see the helper).
    await putService(store.db, tileService('mp-tms', `${mp.url}/tiles/1.0.0/`, { protocol: 'tms',
      layers: [{ id: 'base', title: 'Base (TMS)', template: 'base/webmercator/{z}/{x}/{-y}.png?origin=sw', maxZoom: 19 }] }));
    await putService(store.db, tileService('mp-wmts', `${mp.url}/service`, { protocol: 'wmts', layers: undefined }));
    await putService(store.db, tileService('mp-rest', `${mp.url}/wmts/1.0.0/WMTSCapabilities.xml`, { protocol: 'wmts', layers: undefined }));
    hub = await startTileHub(store.db, { selfBaseUrl: true });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    if (hub) await removeDir(hub.dataDir);
    await mp?.close();
  });

  const bytes = async (url: string) => {
    const r = await fetch(url);
    expect(r.status, url).toBe(200);
    return Buffer.from(await r.arrayBuffer());
  };

  it('serves the same bytes as MapProxy for TMS, WMTS KVP and WMTS REST upstreams', async () => {
    for (const [z, x, y] of [[2, 1, 0], [3, 5, 2], [5, 17, 11]]) {
      const direct = await bytes(`${mp.url}/wmts/base/webmercator/${z}/${x}/${y}.png`);
      expect(direct.subarray(0, 4).toString('latin1')).toBe('\x89PNG');
      expect(await bytes(`${hub.url}/tiles/mp-tms/base/GoogleMapsCompatible/${z}/${x}/${y}.png`)).toEqual(direct);
      expect(await bytes(`${hub.url}/tiles/mp-wmts/base/webmercator/${z}/${x}/${y}.png`)).toEqual(direct);
      expect(await bytes(`${hub.url}/tiles/mp-rest/base/webmercator/${z}/${x}/${y}.png`)).toEqual(direct);
    }
    const ortho = await bytes(`${mp.url}/wmts/ortho/webmercator/3/2/2.png`);
    expect(await bytes(`${hub.url}/tiles/mp-rest/ortho/webmercator/3/2/2.png`)).toEqual(ortho);
  });

  it('serves its cached WMTS tiles after a restart while the upstream is down, asking it once per 15 s', async () => {
    // A switchable front of MapProxy that counts what reaches it.
    let down = false;
    let asked = 0;
    const front = createServer((req, res) => {
      asked += 1;
      if (down) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      void fetch(mp.url + req.url!).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    await putService(store.db, tileService('mp-flaky', `${frontUrl}/service`, { protocol: 'wmts', layers: undefined }));
    let restarted: TileHub | undefined;
    try {
      const direct = await bytes(`${mp.url}/wmts/base/webmercator/3/5/2.png`);
      expect(await bytes(`${hub.url}/tiles/mp-flaky/base/webmercator/3/5/2.png`)).toEqual(direct);
      // A new process on the same cache while the upstream is down: it has never read the capabilities.
      forgetWmtsCapabilities();
      restarted = await startTileHub(store.db, { dataDir: hub.dataDir });
      down = true;
      asked = 0;
      expect(await bytes(`${restarted.url}/tiles/mp-flaky/base/webmercator/3/5/2.png`)).toEqual(direct);
      expect(asked).toBe(1);
      const answers = await Promise.all([1, 2, 3].map(() => fetch(`${restarted!.url}/tiles/mp-flaky/base/webmercator/3/4/2.png`)));
      for (const r of answers) {
        expect(r.status).toBe(502);
        expect((await r.json()).message).toMatch(/Service "mp-flaky" \(127\.0\.0\.1:\d+\) answered 503 to GetCapabilities/);
      }
      // The failure is remembered: neither the cached tile nor the missing ones asked the upstream again.
      expect(await bytes(`${restarted.url}/tiles/mp-flaky/base/webmercator/3/5/2.png`)).toEqual(direct);
      expect(asked).toBe(1);
    } finally {
      await restarted?.close();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });

  it('checks tiles against the upstream matrix (MapProxy has levels 0-19)', async () => {
    const r = await fetch(`${hub.url}/tiles/mp-wmts/base/webmercator/20/0/0.png`);
    expect(r.status).toBe(400);
    expect((await r.json()).message).toMatch(/Zoom level 20 is outside 0–19/);
    expect((await fetch(`${hub.url}/tiles/mp-wmts/nope/webmercator/1/0/0.png`)).status).toBe(404);
  });

  it('publishes WMTS capabilities whose every URL points at the hub', async () => {
    for (const svc of ['mp-tms', 'mp-wmts', 'mp-rest']) {
      const r = await fetch(`${hub.url}/tiles/${svc}/WMTSCapabilities.xml`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const xml = await r.text();
      const urls = [...xml.matchAll(/(?:template|xlink:href)="([^"]+)"/g)].map((m) => m[1]);
      expect(urls.length).toBeGreaterThan(2);
      for (const u of urls) expect(u.startsWith(`${hub.url}/tiles/${svc}/`), u).toBe(true);
      expect(xml).not.toContain(mp.url);
    }
  });

  it('is read by OWSLib WebMapTileService, which fetches a tile through the hub', async () => {
    const { stdout } = await run('/usr/bin/python3', [OWSLIB_SCRIPT, `${hub.url}/tiles/mp-rest/WMTSCapabilities.xml`, 'base', 'webmercator', '3', '2', '5']);
    const out = JSON.parse(stdout);
    expect(out.layers).toEqual(['base', 'ortho']);
    expect(out.matrixSets).toEqual(['webmercator']);
    expect(out.levels).toBe(20);
    expect(out.restonly).toBe(true);
    expect(out.templates).toEqual([`${hub.url}/tiles/mp-rest/base/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.png`]);
    expect(out.tileSignature).toBe('89504e470d0a1a0a');
    const direct = await bytes(`${mp.url}/wmts/base/webmercator/3/5/2.png`);
    expect(out.tileBytes).toBe(direct.length);
    const tms = JSON.parse((await run('/usr/bin/python3', [OWSLIB_SCRIPT, `${hub.url}/tiles/mp-tms/WMTSCapabilities.xml`, 'base',
      'GoogleMapsCompatible', '2', '1', '3'])).stdout);
    expect(tms.matrixSets).toEqual(['GoogleMapsCompatible']);
    expect(tms.tileSignature).toBe('89504e470d0a1a0a');
  });

  /** Tiles the hub served for a service (its Prometheus counter), to see that a client came through it. */
  async function served(svc: string): Promise<number> {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^moisson_proxy_requests_total\\{service="${svc}",layer="[^"]*",status="200"\\} (\\d+)$`, 'gm'))]
      .reduce((sum, m) => sum + Number(m[1]), 0);
  }

  it('is read by GDAL (gdalinfo WMTS:, gdal_translate fetching tiles through the hub)', async () => {
    const before = await served('mp-tms');
    const caps = `WMTS:${hub.url}/tiles/mp-tms/WMTSCapabilities.xml,layer=base`;
    const env = { ...process.env, GDAL_HTTP_TIMEOUT: '20', CPL_VSIL_CURL_USE_HEAD: 'NO', GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR' };
    const info = JSON.parse((await run('gdalinfo', ['-json', caps], { env })).stdout);
    expect(info.driverShortName).toBe('WMTS');
    expect(info.size[0]).toBeGreaterThan(1000);
    expect(info.coordinateSystem.wkt).toMatch(/Pseudo-Mercator|3857/);
    const dir = await mkdtemp(path.join(tmpdir(), 'moisson-gdal-'));
    try {
      await run('gdal_translate', ['-q', '-of', 'PNG', '-outsize', '256', '256', caps, path.join(dir, 'out.png')], { env });
      const png = await readFile(path.join(dir, 'out.png'));
      expect(png.subarray(0, 4).toString('latin1')).toBe('\x89PNG');
      expect(await served('mp-tms')).toBeGreaterThan(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
