/**
 * The tile cache through the hub (issue 6 §3), against a real local upstream that counts its requests:
 * one upstream fetch per missing tile whatever the concurrency, ETag / Last-Modified / 304, Cache-Control,
 * conditional revalidation, stale tiles when the upstream fails, a short negative cache, range checks before
 * any upstream request, the disk cache surviving a restart, access keys, usage and metrics.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import http, { type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { startTestServer, type SeenRequest, type TestServer } from '../../helpers/http-server.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { createAccessKey, putService, usageOf } from '../../../src/store/services.ts';
import { forgetProxyCaches } from '../../../src/proxy/gate.ts';
import { removeDir, startTileHub, tileService, type TileHub } from './hub.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Tiles of zoom 9 weigh 600 KB: over the memory limit of one tile (512 KB), they are streamed from disk. */
const tileBytes = (z: string, x: string, y: string, v = 1) =>
  Buffer.concat([PNG, Buffer.from(`tile ${z}/${x}/${y} v${v}`), z === '9' ? Buffer.alloc(600_000, 9) : Buffer.alloc(0)]);

/** What the upstream does now: serve tiles (with an ETag of its own), fail, or have none. */
const upstreamState = { mode: 'ok' as 'ok' | 'fail' | 'missing', version: 1, delayMs: 0 };

function tileHandler(req: SeenRequest, res: ServerResponse): Promise<void> {
  const [, z, x, y] = /^\/(\d+)\/(\d+)\/(\d+)\.png/.exec(req.url)!;
  return new Promise((resolve) => setTimeout(() => {
    if (upstreamState.mode === 'fail') res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
    else if (upstreamState.mode === 'missing') res.writeHead(404).end();
    else {
      const etag = `"up-${z}-${x}-${y}-v${upstreamState.version}"`;
      if (req.headers['if-none-match'] === etag) res.writeHead(304, { etag }).end();
      else {
        res.writeHead(200, { 'content-type': 'image/png', etag, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' })
          .end(tileBytes(z, x, y, upstreamState.version));
      }
    }
    resolve();
  }, upstreamState.delayMs));
}

describe.each(backends)('tile cache on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let upstream: TestServer;
  let hub: TileHub;
  let n = 0;
  let id = '';

  beforeAll(async () => {
    upstream = await startTestServer([{ path: /^\/\d+\/\d+\/\d+\.png$/, handler: tileHandler }]);
  });
  afterAll(async () => upstream.close());
  afterEach(async () => {
    await hub?.close();
    await removeDir(hub.dataDir);
    upstream.requests.length = 0;
    Object.assign(upstreamState, { mode: 'ok', version: 1, delayMs: 0 });
    expect(upstream.unexpected).toEqual([]);
  });

  /** A fresh service id per test, so one test's tiles are never another's. */
  async function setup(over: Parameters<typeof tileService>[2] = {}): Promise<string> {
    n += 1;
    id = `osm-${n}`;
    await putService(store.db, tileService(id, `${upstream.url}/`, over));
    forgetProxyCaches(store.db);
    hub = await startTileHub(store.db);
    return id;
  }
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${hub.url}/tiles/${id}/plan/GoogleMapsCompatible/${p}`, { headers });

  it('fetches a missing tile once, then serves it from the cache with ETag, Last-Modified and Cache-Control', async () => {
    await setup();
    const first = await get('3/4/2.png');
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer())).toEqual(tileBytes('3', '4', '2'));
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(first.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.get('last-modified')).toBe('Tue, 01 Dec 2026 10:00:00 GMT');
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=(86400|86399)$/);
    const second = await get('3/4/2.png');
    expect(Buffer.from(await second.arrayBuffer())).toEqual(tileBytes('3', '4', '2'));
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(upstream.requests.map((r) => r.url)).toEqual(['/3/4/2.png']);
    // The upstream sees the hub's identifying User-Agent, never the client's.
    expect(upstream.requests[0].headers['user-agent']).toMatch(/^moisson\/\d+\.\d+\.\d+ \(\+https:\/\/hub\.example\.fr\)$/);
  });

  it('answers a hot tile without a query string (the promise-free path) exactly as the full path does', async () => {
    await setup();
    const hot = vi.spyOn(hub.tiles, 'hotTile');
    const full = vi.spyOn(hub.tiles, 'handleTile');
    await (await get('3/4/2.png')).arrayBuffer(); // cold: the full path fetches it
    const pairs: Record<string, string>[] = [{}, { 'if-none-match': '"nope"' }];
    for (const headers of pairs) {
      const viaHot = await get('3/4/2.png', headers);
      const viaFull = await get('3/4/2.png?cb=1', headers);
      expect(viaHot.status).toBe(viaFull.status);
      const h = (r: Response) => Object.fromEntries([...r.headers].filter(([k]) => !['date', 'cache-control'].includes(k)));
      expect(h(viaHot)).toEqual(h(viaFull));
      expect(Buffer.from(await viaHot.arrayBuffer())).toEqual(Buffer.from(await viaFull.arrayBuffer()));
    }
    const etag = (await get('3/4/2.png')).headers.get('etag')!;
    for (const path of ['3/4/2.png', '3/4/2.png?cb=1']) {
      const r = await get(path, { 'if-none-match': etag });
      expect([r.status, r.headers.get('etag')]).toEqual([304, etag]);
    }
    const head = await fetch(`${hub.url}/tiles/${id}/plan/GoogleMapsCompatible/3/4/2.png`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(tileBytes('3', '4', '2').length)]);
    // Hot answers came from hotTile (the cold one and those with a query from handleTile), one upstream request.
    expect(hot.mock.results.filter((r) => r.value !== undefined)).toHaveLength(5);
    expect(full).toHaveBeenCalledTimes(4);
    expect(upstream.requests).toHaveLength(1);
    // Counted alike: 200s with their bytes, 304s without.
    await hub.usage.flush();
    const size = tileBytes('3', '4', '2').length;
    expect((await usageOf(store.db, { service: id })).map((u) => [u.status, u.requests, u.bytes])).toEqual([[200, 7, 7 * size], [304, 2, 0]]);
  });

  it('looks a hot tile up by its path, which is its cache key; any other spelling goes to the full path and its 400', async () => {
    await setup();
    await (await get('3/4/2.png')).arrayBuffer();
    const hot = vi.spyOn(hub.tiles, 'hotTile');
    const full = vi.spyOn(hub.tiles, 'handleTile');
    const canonical = await get('3/4/2.png');
    const zero = await get('03/4/2.png');
    expect([canonical.status, zero.status]).toEqual([200, 400]);
    expect(((await zero.json()) as { message: string }).message).toMatch(/03/);
    expect(hot.mock.results.map((r) => r.value !== undefined)).toEqual([true, false]);
    expect(full).toHaveBeenCalledTimes(1);
    expect(upstream.requests).toHaveLength(1);
    // The hot answer was counted under its service and layer.
    await hub.usage.flush();
    expect((await usageOf(store.db, { service: id })).map((u) => [u.layer, u.status, u.requests])).toEqual([['plan', 200, 2]]);
  });

  it('reads the hot path\'s headers whatever their case, repeated as node merges them, and leaves credentials to the full path', async () => {
    await setup();
    const etag = (await get('3/4/2.png')).headers.get('etag')!;
    const lastModified = (await get('3/4/2.png')).headers.get('last-modified')!;
    const hot = vi.spyOn(hub.tiles, 'hotTile');
    const full = vi.spyOn(hub.tiles, 'handleTile');
    // node:http sends header names as given, and an array as one line per value.
    const raw = (headers: OutgoingHttpHeaders) => new Promise<number>((resolve, reject) => {
      http.get(`${hub.url}/tiles/${id}/plan/GoogleMapsCompatible/3/4/2.png`, { headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    expect(await raw({ 'IF-NONE-MATCH': ['"nope"', etag] })).toBe(304);
    expect(await raw({ 'If-Modified-Since': lastModified })).toBe(304);
    expect(await raw({ 'User-Agent': 'x', Accept: 'image/*', Referer: 'https://example.org/' })).toBe(200);
    expect(hot.mock.results.map((r) => r.value?.status)).toEqual([304, 304, 200]);
    expect(full).not.toHaveBeenCalled();
    // Credentials in any case go to the full path (where a public service answers, and a key is counted), never hot.
    expect(await raw({ 'X-MOISSON-KEY': 'mk_unknown' })).toBe(200);
    expect(await raw({ AUTHORIZATION: 'Basic dTpw' })).toBe(200);
    expect(hot.mock.results.slice(3).map((r) => r.value)).toEqual([undefined, undefined]);
    expect(full).toHaveBeenCalledTimes(2);
  });

  it('makes exactly one upstream request for 1,000 simultaneous requests of one missing tile', async () => {
    await setup();
    upstreamState.delayMs = 300;
    const answers = await Promise.all(Array.from({ length: 1000 }, async () => {
      const r = await get('5/10/12.png');
      return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
    }));
    expect(upstream.requests.length).toBe(1);
    expect(answers.every((a) => a.status === 200 && a.body.equals(tileBytes('5', '10', '12')))).toBe(true);
  });

  it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    await setup();
    const etag = (await get('2/1/1.png')).headers.get('etag')!;
    const inm = await get('2/1/1.png', { 'if-none-match': etag });
    expect(inm.status).toBe(304);
    expect(inm.headers.get('etag')).toBe(etag);
    expect((await get('2/1/1.png', { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get('2/1/1.png', { 'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 GMT' })).status).toBe(304);
    expect((await get('2/1/1.png', { 'if-modified-since': 'Mon, 30 Nov 2026 10:00:00 GMT' })).status).toBe(200);
    expect(upstream.requests.length).toBe(1);
  });

  it('revalidates an expired tile with a conditional request and keeps serving it on 304', async () => {
    await setup({ cache: { tiles: true, maxAgeSeconds: 1, staleIfError: true, seeding: true } });
    const etag = (await get('4/3/5.png')).headers.get('etag');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await get('4/3/5.png');
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(etag);
    expect(upstream.requests.length).toBe(2);
    expect(upstream.requests[1].headers['if-none-match']).toBe('"up-4-3-5-v1"');
    // A changed tile upstream gets a new ETag after the next expiry.
    upstreamState.version = 2;
    await new Promise((r) => setTimeout(r, 1100));
    const changed = await get('4/3/5.png');
    expect(Buffer.from(await changed.arrayBuffer())).toEqual(tileBytes('4', '3', '5', 2));
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('serves a stale tile with a Warning when the upstream fails, and an error when it has no copy', async () => {
    await setup({ cache: { tiles: true, maxAgeSeconds: 1, staleIfError: true, seeding: true } });
    await get('6/1/1.png');
    await new Promise((r) => setTimeout(r, 1100));
    upstreamState.mode = 'fail';
    const stale = await get('6/1/1.png');
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer())).toEqual(tileBytes('6', '1', '1'));
    expect(stale.headers.get('warning')).toMatch(/^110 moisson "Response is Stale", 111 moisson "Revalidation Failed"$/);
    expect(stale.headers.get('cache-control')).toBe('public, max-age=60');
    const none = await get('6/2/2.png');
    expect(none.status).toBe(502);
    expect(await none.json()).toMatchObject({ error: 'upstream_unavailable', status: 502 });
  });

  it('serves stale tiles when the upstream times out or refuses connections', async () => {
    await setup({ cache: { tiles: true, maxAgeSeconds: 1, staleIfError: true, seeding: true } });
    await get('6/3/3.png');
    await get('6/4/4.png');
    await new Promise((r) => setTimeout(r, 1100));
    upstreamState.delayMs = 2500; // over the service's timeoutMs (2000)
    const late = await get('6/3/3.png');
    expect(late.status).toBe(200);
    expect(late.headers.get('warning')).toMatch(/^110 /);
    // The same service moved to a port where nothing listens: connection refused.
    await putService(store.db, tileService(id, 'http://127.0.0.1:9/', { cache: { tiles: true, maxAgeSeconds: 1, staleIfError: true, seeding: true } }));
    forgetProxyCaches(store.db);
    const refused = await get('6/4/4.png');
    expect(refused.status).toBe(200);
    expect(Buffer.from(await refused.arrayBuffer())).toEqual(tileBytes('6', '4', '4'));
    expect(refused.headers.get('warning')).toMatch(/^110 /);
  });

  it('remembers a missing tile briefly instead of asking the upstream again', async () => {
    await setup();
    upstreamState.mode = 'missing';
    const first = await get('7/5/5.png');
    expect(first.status).toBe(404);
    expect(await first.json()).toMatchObject({ error: 'tile_not_found' });
    expect((await get('7/5/5.png')).status).toBe(404);
    expect(upstream.requests.length).toBe(1);
  });

  it('refuses tiles outside the zoom range or the matrix, with 400 and no upstream request', async () => {
    await setup();
    const cases: [string, string][] = [['13/0/0.png', 'z'], ['2/4/0.png', 'x'], ['2/0/4.png', 'y'], ['2/0/0.jpg', 'ext'], ['2/-1/0.png', 'x'],
      ['2/0/0', 'y'], ['02/0/0.png', 'z']];
    for (const [p, locator] of cases) {
      const r = await get(p);
      expect(r.status, p).toBe(400);
      expect((await r.json()).locator, p).toBe(locator);
    }
    expect((await fetch(`${hub.url}/tiles/${id}/nope/GoogleMapsCompatible/1/0/0.png`)).status).toBe(404);
    expect((await fetch(`${hub.url}/tiles/${id}/plan/EPSG:4326/1/0/0.png`)).status).toBe(400);
    expect(upstream.requests).toEqual([]);
  });

  it('never reaches another host: encoded paths and unknown services are refused before any upstream request', async () => {
    await setup();
    for (const p of [`/tiles/${id}/plan/GoogleMapsCompatible/1/0/..%2F..%2Fx.png`, `/tiles/${id}/%2e%2e/GoogleMapsCompatible/1/0/0.png`,
      `/tiles/${id}/plan/GoogleMapsCompatible/1/0/0.png%3F@evil.example`, `/tiles/${id}/plan/GoogleMapsCompatible/1/0/0.png/..`]) {
      const r = await fetch(`${hub.url}${p}`);
      expect([400, 404], p).toContain(r.status);
    }
    expect((await fetch(`${hub.url}/tiles/unknown/plan/GoogleMapsCompatible/1/0/0.png`)).status).toBe(404);
    expect(upstream.requests).toEqual([]);
  });

  it('keeps tiles on disk (atomic files) and serves them after a restart without the upstream', async () => {
    await setup();
    await get('8/100/90.png');
    expect(existsSync(path.join(hub.dataDir, 'tiles', id, 'plan', 'GoogleMapsCompatible', '8', '100', '90.png'))).toBe(true);
    const dataDir = hub.dataDir;
    await hub.close();
    hub = await startTileHub(store.db, { dataDir });
    const again = await get('8/100/90.png');
    expect(Buffer.from(await again.arrayBuffer())).toEqual(tileBytes('8', '100', '90'));
    expect(upstream.requests.length).toBe(1);
  });

  it('streams a tile too large for memory from its file, and answers HEAD with its headers only', async () => {
    await setup();
    const first = await get('9/3/3.png');
    // equals(), not toEqual(): vitest compares 600 KB buffers element by element, in seconds.
    expect(Buffer.from(await first.arrayBuffer()).equals(tileBytes('9', '3', '3'))).toBe(true);
    const second = await get('9/3/3.png');
    expect(second.headers.get('content-length')).toBe(String(tileBytes('9', '3', '3').length));
    expect(Buffer.from(await second.arrayBuffer()).equals(tileBytes('9', '3', '3'))).toBe(true);
    const head = await fetch(`${hub.url}/tiles/${id}/plan/GoogleMapsCompatible/9/3/3.png`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(tileBytes('9', '3', '3').length));
    expect(head.headers.get('etag')).toBe(second.headers.get('etag'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(upstream.requests.length).toBe(1);
  });

  it('asks for a key on a restricted service and never forwards it upstream', async () => {
    await setup({ access: 'restricted' });
    const denied = await get('1/1/1.png');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe(`Basic realm="moisson ${id}"`);
    const { key, secret } = await createAccessKey(store.db, 'web app', [id]);
    const ok = await fetch(`${hub.url}/tiles/${id}/plan/GoogleMapsCompatible/1/1/1.png?key=${secret}`, { headers: { cookie: 'a=b' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toMatch(/^private, /);
    const basic = await get('1/1/1.png', { authorization: `Basic ${Buffer.from(`qgis:${secret}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(upstream.requests.length).toBe(1);
    const seen = upstream.requests[0];
    expect(seen.url).toBe('/1/1/1.png');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    await hub.usage.flush();
    const rows = await usageOf(store.db, { service: id });
    expect(rows.filter((r) => r.key === key.id && r.status === 200).reduce((s, r) => s + r.requests, 0)).toBe(2);
    expect(rows.find((r) => r.status === 401)?.requests).toBe(1);
  });

  it('counts tile requests per service, layer and status in /metrics', async () => {
    await setup();
    await get('1/0/0.png');
    await get('1/0/0.png');
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    expect(text).toContain(`moisson_proxy_requests_total{service="${id}",layer="plan",status="200"} 2`);
    expect(text).toMatch(/moisson_http_requests_total\{method="GET",route="\/tiles\/:service\/:layer\/:tileMatrixSet\/:z\/:x\/:y",status="200"\} 2/);
  });
});
