/**
 * Front processes (FRONT_PROCESSES, src/http/fronts.ts and src/http/front/): real child processes accepting on
 * a socket of their own here (this process closes its copy, so that every connection reaches a front), in
 * front of a real hub (the koa app behind the tile fast path) on a real store, with a local tile upstream that
 * counts its requests. What a front answers itself shows by the Age header and by the hub's own handlers not
 * being called; what it counts must reach the hub's metrics and usage as the hub's own answers do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { startTestServer, type SeenRequest, type TestServer } from '../helpers/http-server.ts';
import { backends, useStore } from '../helpers/db.ts';
import { createAccessKey, putService, usageOf } from '../../src/store/services.ts';
import { forgetProxyCaches } from '../../src/proxy/gate.ts';
import { startFronts, type Fronts } from '../../src/http/fronts.ts';
import { startHub } from '../../src/server.ts';
import { defaultSeedsDir, type HubConfig } from '../../src/config.ts';
import { holdFor, relayedRequestHeaders, relayedResponseHeaders, startFront } from '../../src/http/front/front.ts';
import { removeDir, startTileHub, tileService, type TileHub } from '../proxy/tiles/hub.ts';

const tileBytes = (z: string, x: string, y: string) => Buffer.from(`\x89PNG tile ${z}/${x}/${y}`);

function tileHandler(req: SeenRequest, res: http.ServerResponse): void {
  const [, z, x, y] = /^\/(\d+)\/(\d+)\/(\d+)\.png/.exec(req.url)!;
  res.writeHead(200, { 'content-type': 'image/png', etag: `"up-${z}-${x}-${y}"`, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' })
    .end(tileBytes(z, x, y));
}

/** A listening socket of its own: handed to the fronts, then closed here, so only they accept on it. */
async function frontSocket(): Promise<{ server: net.Server; url: string }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 511 }, resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('what a front passes on and holds', () => {
  it('drops hop-by-hop headers, also those Connection names, and appends the client to X-Forwarded-For', () => {
    const raw = ['Host', 'hub', 'Connection', 'keep-alive, X-Trace', 'X-Trace', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers',
      'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Expect', '100-continue', 'X-Forwarded-For', '203.0.113.9', 'Accept', 'image/png'];
    expect(relayedRequestHeaders(raw, '127.0.0.1')).toEqual(['Host', 'hub', 'Accept', 'image/png', 'X-Forwarded-For', '203.0.113.9, 127.0.0.1']);
    expect(relayedRequestHeaders(['Host', 'hub'], '::1')).toEqual(['Host', 'hub', 'X-Forwarded-For', '::1']);
    expect(relayedResponseHeaders(['Content-Type', 'image/png', 'Connection', 'close', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']))
      .toEqual(['Content-Type', 'image/png', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });

  it('holds only public answers with validators and a max-age, never longer than freshMs', () => {
    const ok = { 'cache-control': 'public, max-age=86400', etag: '"a"', 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' };
    expect(holdFor(ok, 5000)).toBe(5000);
    expect(holdFor({ ...ok, 'cache-control': 'public, max-age=2' }, 5000)).toBe(2000);
    for (const over of [{ 'cache-control': 'private, max-age=60' }, { 'cache-control': 'public, max-age=0' }, { 'cache-control': 'public' },
      { 'cache-control': 'public, no-store, max-age=60' }, { etag: undefined }, { 'last-modified': undefined }, { warning: '110 - "Response is Stale"' },
      { vary: 'Accept' }, { 'set-cookie': ['a=1'] }, { 'content-encoding': 'gzip' }]) {
      expect(holdFor({ ...ok, ...over }, 5000)).toBe(0);
    }
  });

  it('answers 502 hub_unreachable, in JSON, when the hub process does not answer', async () => {
    const { server, url } = await frontSocket();
    const warnings: string[] = [];
    const front = await startFront({ type: 'init', relaySocket: '/nonexistent/moisson-hub.sock', freshMs: 5000, memoryBytes: 1 << 20,
      maxEntryBytes: 1 << 20, bounds: [0.01], statsEveryMs: 60_000, backlog: 511, heapGrowingPercent: 100 }, server, (m) => {
      if (m.type === 'warn') warnings.push(m.message);
    });
    try {
      const res = await fetch(`${url}/tiles/osm/plan/GoogleMapsCompatible/1/0/0.png`);
      expect(res.status).toBe(502);
      const body = await res.json() as { error: string; message: string };
      expect(body.error).toBe('hub_unreachable');
      expect(body.message).toMatch(/hub process did not answer.*ENOENT/);
      expect(warnings.join('\n')).toMatch(/could not relay a request to the hub process/);
    } finally {
      await front.close(100);
    }
  });
});

describe.each(backends)('front processes on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let upstream: TestServer;
  let hub: TileHub | undefined;
  let fronts: Fronts | undefined;
  let url = '';
  let id = '';
  let shared: net.Server | undefined;
  let n = 0;

  beforeAll(async () => {
    upstream = await startTestServer([{ path: /^\/\d+\/\d+\/\d+\.png$/, handler: tileHandler }]);
  });
  afterAll(async () => upstream.close());
  afterEach(async () => {
    await fronts?.close();
    await hub?.close();
    if (hub) await removeDir(hub.dataDir);
    shared?.close();
    fronts = hub = shared = undefined;
    url = '';
    upstream.requests.length = 0;
    expect(upstream.unexpected).toEqual([]);
  });

  /** `shared`: this process keeps accepting on the fronts' socket and answers as the hub (as the hub process does). */
  async function setup(opts: { over?: Parameters<typeof tileService>[2]; freshMs?: number; shared?: boolean } = {}): Promise<void> {
    n += 1;
    id = `front-${n}`;
    await putService(store.db, tileService(id, `${upstream.url}/`, opts.over));
    forgetProxyCaches(store.db);
    hub = await startTileHub(store.db);
    const socket = await frontSocket();
    if (opts.shared) {
      const own = http.createServer(hub.listener);
      socket.server.on('connection', (c) => own.emit('connection', c));
      shared = socket.server;
      url = socket.url;
    }
    fronts = await startFronts({ listenOn: socket.server, backlog: 511, count: 1, listener: hub.listener, logger: pino({ level: 'silent' }),
      metrics: hub.metrics, usage: hub.usage, freshMs: opts.freshMs ?? 60_000, statsEveryMs: 100 });
    if (!opts.shared) socket.server.close();
    url = socket.url;
  }
  const tile = (p = '3/4/2.png') => `${url}/tiles/${id}/plan/GoogleMapsCompatible/${p}`;

  it('runs with the hub\'s memory settings: HEAP_GROWING_PERCENT, V8 pretenuring off (src/heap.ts)', async () => {
    await setup();
    expect([...fronts!.heap().entries()]).toEqual([[fronts!.pids()[0], 'heap growing 100 % (HEAP_GROWING_PERCENT), pretenuring off']]);
  });

  it('answers a public tile it holds with the hub\'s headers plus Age, after relaying the first request', async () => {
    await setup();
    const hot = vi.spyOn(hub!.tiles, 'hotTile');
    const full = vi.spyOn(hub!.tiles, 'handleTile');
    const first = await fetch(tile());
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer())).toEqual(tileBytes('3', '4', '2'));
    expect(first.headers.get('age')).toBeNull();
    // Relayed: the hub's fast path looked (not hot yet), then its full path fetched it.
    expect([hot.mock.calls.length, full.mock.calls.length]).toEqual([1, 1]);
    hot.mockClear();
    full.mockClear();

    const held = await fetch(tile());
    expect(held.status).toBe(200);
    expect(Buffer.from(await held.arrayBuffer())).toEqual(tileBytes('3', '4', '2'));
    expect(held.headers.get('age')).toMatch(/^\d+$/);
    for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'access-control-allow-origin']) {
      expect([h, held.headers.get(h)]).toEqual([h, first.headers.get(h)]);
    }
    const etag = first.headers.get('etag')!;
    const unchanged = await fetch(tile(), { headers: { 'if-none-match': etag } });
    expect([unchanged.status, unchanged.headers.get('etag'), unchanged.headers.get('age') !== null]).toEqual([304, etag, true]);
    const head = await fetch(tile(), { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('age') !== null]).toEqual([200, String(tileBytes('3', '4', '2').length), true]);
    // None of these reached the hub process.
    expect(full).not.toHaveBeenCalled();
    expect(hot).not.toHaveBeenCalled();
    expect(upstream.requests).toHaveLength(1);
  });

  it('counts what it answers in the hub\'s metrics and proxy usage, as the hub counts its own', async () => {
    await setup();
    await (await fetch(tile())).arrayBuffer();
    const etag = (await fetch(tile())).headers.get('etag')!;
    for (let i = 0; i < 5; i++) await (await fetch(tile())).arrayBuffer();
    await (await fetch(tile(), { headers: { 'if-none-match': etag } })).arrayBuffer();
    const size = tileBytes('3', '4', '2').length;
    // 1 relayed (counted by the hub process), 6 + 1 answered by the front and reported to it.
    // Reports come every 100 ms: the 200s and the 304 may arrive in two of them, so wait for both.
    await waitFor('the front\'s reports', async () => {
      const m = await hub!.metrics.registry.metrics();
      return m.includes(`moisson_proxy_requests_total{service="${id}",layer="plan",status="200"} 7`)
        && m.includes(`moisson_proxy_requests_total{service="${id}",layer="plan",status="304"} 1`);
    });
    const metrics = await hub!.metrics.registry.metrics();
    expect(metrics).toContain(`moisson_proxy_requests_total{service="${id}",layer="plan",status="304"} 1`);
    expect(metrics).toContain(`moisson_proxy_bytes_total{service="${id}",layer="plan"} ${7 * size}`);
    expect(metrics).toMatch(/moisson_http_requests_total\{method="GET",route="\/tiles\/:service\/:layer\/:tileMatrixSet\/:z\/:x\/:y",status="200"\} 7\n/);
    expect(metrics).toMatch(/moisson_http_request_duration_seconds_count\{method="GET",route="\/tiles\/:service\/:layer\/:tileMatrixSet\/:z\/:x\/:y"\} 8\n/);
    await hub!.usage.flush();
    expect((await usageOf(store.db, { service: id })).map((u) => [u.layer, u.status, u.requests, u.bytes]))
      .toEqual([['plan', 200, 7, 7 * size], ['plan', 304, 1, 0]]);
  });

  it('never holds what needs credentials or a query string: those go to the hub every time', async () => {
    await setup({ over: { access: 'restricted' } });
    const key = await createAccessKey(store.db, 'app', [id]);
    const full = vi.spyOn(hub!.tiles, 'handleTile');
    for (let i = 0; i < 3; i++) {
      const keyed = await fetch(tile(), { headers: { 'x-moisson-key': key.secret } });
      expect([keyed.status, keyed.headers.get('age'), keyed.headers.get('cache-control')]).toEqual([200, null, expect.stringMatching(/^private/)]);
      await keyed.arrayBuffer();
      const anonymous = await fetch(tile());
      expect([anonymous.status, anonymous.headers.get('age')]).toEqual([401, null]);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      await anonymous.arrayBuffer();
      const query = await fetch(`${tile()}?key=${key.secret}`);
      expect([query.status, query.headers.get('age')]).toEqual([200, null]);
      await query.arrayBuffer();
    }
    expect(full).toHaveBeenCalledTimes(9);
  });

  it('asks the hub again once freshMs is over, and drops what it holds when the hub forgets its services', async () => {
    // freshMs long enough (each tile is held for half of it at least) that a slow machine's two requests in a row
    // still find the tile held.
    await setup({ freshMs: 1500 });
    const hot = vi.spyOn(hub!.tiles, 'hotTile');
    await (await fetch(tile())).arrayBuffer();
    expect((await fetch(tile())).headers.get('age')).not.toBeNull();
    hot.mockClear();
    await new Promise((r) => setTimeout(r, 1600));
    // Past freshMs: relayed (the hub answers it from memory), then held again.
    expect((await fetch(tile())).headers.get('age')).toBeNull();
    expect(hot).toHaveBeenCalledTimes(1);
    expect((await fetch(tile())).headers.get('age')).not.toBeNull();

    // An admin restricts the service through this hub: the fronts forget at once, the next request is the hub's.
    await putService(store.db, tileService(id, `${upstream.url}/`, { access: 'restricted' }));
    forgetProxyCaches(store.db);
    await waitFor('the front to forget', async () => (await fetch(tile())).status === 401, 2000);
  });

  it('relays every other request and its body unchanged, and the answer with its status and headers', async () => {
    await setup();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const csw = await fetch(`${url}/csw`, {
      method: 'POST', headers: { 'content-type': 'application/xml' },
      body: '<csw:GetCapabilities xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW"/>',
    });
    expect(csw.status).toBe(200);
    expect(await csw.text()).toMatch(/<csw:Capabilities[\s>]/);
    const missing = await fetch(`${url}/tiles/${id}/nope/GoogleMapsCompatible/1/0/0.png`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/no tile layer "nope"/);
  });

  it('answers the connections that arrive while a front starts (the hub process accepts on the socket meanwhile)', async () => {
    const starting = setup({ shared: true });
    let ready = false;
    void starting.then(() => { ready = true; }, () => { ready = true; });
    // The hub answers on the socket from before the fronts exist: wait for it, then keep connecting until they run.
    await waitFor('the hub', () => hub !== undefined && url !== '');
    let answered = 0;
    while (!ready) {
      const batch = await Promise.all(Array.from({ length: 8 }, async () => {
        const res = await fetch(`${url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        return res.status;
      }));
      expect(batch).toEqual(Array(8).fill(200));
      answered += batch.length;
    }
    await starting;
    // And once they run, every connection is answered, whichever process accepted it.
    const after = await Promise.all(Array.from({ length: 40 }, async () =>
      (await fetch(`${url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) })).status));
    expect(after).toEqual(Array(40).fill(200));
    expect(answered).toBeGreaterThan(0);
  });

  it('starts a front again when it dies, and stops every front when the hub stops', async () => {
    await setup({ shared: true });
    const [pid] = fronts!.pids();
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await waitFor('another front', () => fronts!.pids().length === 1 && fronts!.pids()[0] !== pid);
    // Held tiles went with the dead front: the new one relays a first request, then answers (Age) itself. This
    // process accepts on the socket too (as the hub process does), so a connection may reach either.
    await waitFor('the new front to answer', async () => {
      const res = await fetch(tile(), { headers: { connection: 'close' } });
      await res.arrayBuffer();
      return res.headers.get('age') !== null;
    });
    const [second] = fronts!.pids();
    await fronts!.close();
    fronts = undefined;
    expect(alive(second)).toBe(false);
  });
});

describe('FRONT_PROCESSES in the running hub', () => {
  it('starts the fronts with the hub, on its port, and stops them with it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-fronts-'));
    const config: HubConfig = { port: 0, host: '127.0.0.1', baseUrl: 'https://hub.example', dataDir, logLevel: 'silent',
      seedsDir: defaultSeedsDir, frontProcesses: 2 };
    const hub = await startHub(config, pino({ level: 'silent' }), { scheduler: false });
    let pids: number[] = [];
    try {
      pids = hub.fronts?.pids() ?? [];
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);
      // Whichever process accepts a connection, the hub answers.
      const statuses = await Promise.all(Array.from({ length: 30 }, async () =>
        (await fetch(`${hub.url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) })).status));
      expect(statuses).toEqual(Array(30).fill(200));
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(pids.some(alive)).toBe(false);
  });
});
