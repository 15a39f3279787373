/**
 * `/download/{service}/…` over real HTTP (issue 6 §4, §6): feeds rewritten to hub URLs and followable through
 * the hub, files streamed with Range, errors in JSON naming the service and the host, and no way to make the
 * hub reach another host.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, useStore } from '../../helpers/db.ts';
import { file, reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { createAccessKey, putService } from '../../../src/store/services.ts';
import { bytesOf, downloadService, feedFor, startHub, writeBytes, type Hub } from './hub.ts';
import { atomDir } from './hub.ts';

const SIZE = 50 * 1024 * 1024;
const LAST_MODIFIED = 'Tue, 01 Apr 2025 10:00:00 GMT';

/** A file server route: Range honoured (`ranges`) or ignored, with the headers a download carries. */
function bigFile(ranges: boolean, size = SIZE) {
  return async (req: { headers: Record<string, string | string[] | undefined> }, res: import('node:http').ServerResponse) => {
    const headers = { 'content-type': 'application/zip', etag: '"v1"', 'last-modified': LAST_MODIFIED,
      'content-disposition': 'attachment; filename="big.zip"', ...(ranges ? { 'accept-ranges': 'bytes' } : {}) };
    const m = ranges ? /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? '')) : null;
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Number(m[2]) : size - 1;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
      return writeBytes(res, start, end);
    }
    res.writeHead(200, { ...headers, 'content-length': size });
    return writeBytes(res, 0, size - 1);
  };
}

describe.each(backends)('download proxy on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let up: TestServer;
  let evil: TestServer;
  let hub: Hub;

  beforeAll(async () => {
    up = await startTestServer();
    evil = await startTestServer([{ path: /.*/, handler: reply(200, 'you should not be here') }]);
  });
  afterAll(async () => {
    await up.close();
    await evil.close();
  });
  afterEach(async () => {
    expect(up.unexpected).toEqual([]);
    expect(evil.requests).toEqual([]);
    up.requests.length = 0;
    up.routes.length = 0;
    await hub?.close();
  });

  async function serviceAt(feedPath: string, over = {}) {
    hub = await startHub(store.db);
    const def = downloadService(`${up.url}${feedPath}`, over);
    await putService(store.db, def);
    return def;
  }

  it('rewrites the service feed and the dataset feeds so that every upstream link leads through the hub', async () => {
    up.routes.push(
      { path: '/download/en.xml', handler: (_q, res) => { res.writeHead(200, { 'content-type': 'application/atom+xml' }); res.end(feedFor('inspire-tg-service-feed.xml', up.url)); } },
      // A dataset feed served as plain XML: the root element decides.
      { path: '/data/waternetwork_feed.xml', handler: (_q, res) => { res.writeHead(200, { 'content-type': 'text/xml' }); res.end(feedFor('inspire-tg-dataset-feed.xml', up.url)); } },
    );
    const def = await serviceAt('/download/en.xml');
    const res = await fetch(`${hub.url}/download/${def.id}`, { headers: { authorization: 'Bearer secret', cookie: 'session=1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = await res.text();
    const hrefs = [...feed.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs.filter((h) => h.startsWith(up.url))).toEqual([]);
    expect(hrefs).toContain(`${hub.url}/download/${def.id}`);
    const datasetFeed = `${hub.url}/download/${def.id}/-/data/waternetwork_feed.xml`;
    expect(hrefs).toContain(datasetFeed);
    // Following the rewritten link: the dataset feed, rewritten too.
    const ds = await (await fetch(datasetFeed)).text();
    expect(ds).toContain(`href="${hub.url}/download/${def.id}/-/data/abc/waternetwork_25832.gml"`);
    expect(ds).not.toContain(up.url);
    // The client's credentials never went upstream.
    for (const r of up.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers['user-agent']).toMatch(/^moisson\//);
    }
    expect(hub.usage.map((u) => [u.service, u.status])).toEqual([[def.id, 200], [def.id, 200]]);
  });

  it('forwards only what the feeds point at: a bookmarked file is found by reading the feeds once, the rest of the origin is refused', async () => {
    const feed = (name: string, type: string) => (_q: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': type });
      res.end(feedFor(name, up.url));
    };
    up.routes.push(
      { path: '/download/en.xml', handler: feed('inspire-tg-service-feed.xml', 'application/atom+xml') },
      { path: '/download/de.xml', handler: reply(404, 'no German feed') },
      { path: '/data/waternetwork_feed.xml', handler: feed('inspire-tg-dataset-feed.xml', 'application/atom+xml') },
      { path: '/data/abc/waternetwork_25832.gml', handler: file(`${atomDir}/inspire-tg-dataset-feed.xml`, 'application/gml+xml') },
    );
    // A hub that has served no feed of the service yet (started after the link was bookmarked).
    const def = await serviceAt('/download/en.xml');
    const gml = await fetch(`${hub.url}/download/${def.id}/-/data/abc/waternetwork_25832.gml`);
    expect(gml.status).toBe(200);
    await gml.arrayBuffer();
    // The service feed, the feeds it links (atom type), then the file; the HTML and metadata links are not read.
    expect(up.requests.map((r) => r.url)).toEqual(['/download/en.xml', '/download/de.xml', '/data/waternetwork_feed.xml',
      '/data/abc/waternetwork_25832.gml']);
    up.requests.length = 0;
    for (const p of ['/admin', '/data/../admin/', '/data%2F..%2F..%2Fadmin', '/Data/abc/x.gml', '/other-app/index.php']) {
      const res = await fetch(`${hub.url}/download/${def.id}/-${p}`);
      expect(res.status, p).toBe(403);
      const body = await res.json() as { error: string; message: string };
      expect(body.error).toBe('forbidden');
      expect(body.message).toContain(def.id);
    }
    // Refused without asking the upstream anything, and without reading the feeds again.
    expect(up.requests).toEqual([]);
    // Next to the file, and under the service feed's directory: forwarded.
    up.routes.push({ path: /^\/(data\/abc|download)\/more/, handler: reply(200, 'more', { 'content-type': 'application/octet-stream' }) });
    for (const p of ['/data/abc/more.zip', '/download/more/x.zip']) {
      const res = await fetch(`${hub.url}/download/${def.id}/-${p}`);
      expect(res.status, p).toBe(200);
      await res.arrayBuffer();
    }
    expect(up.requests.map((r) => r.url)).toEqual(['/data/abc/more.zip', '/download/more/x.zip']);
  });

  it('streams a 160 MB file whole, with its headers, without holding it in memory', async () => {
    // Big against RSS noise: streaming grows RSS by 20-40 MB whatever the size (GC timing), buffering by the size.
    const BIG = 160 * 1024 * 1024;
    up.routes.push({ path: '/files/big.zip', handler: bigFile(true, BIG) });
    const def = await serviceAt('/files/feed.xml');
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
    const res = await fetch(`${hub.url}/download/${def.id}/-/files/big.zip`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(BIG));
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="big.zip"');
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('last-modified')).toBe(LAST_MODIFIED);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of res.body!) {
      hash.update(chunk);
      size += chunk.length;
    }
    clearInterval(sampler);
    expect(size).toBe(BIG);
    const expected = createHash('sha256');
    for (let at = 0; at < BIG; at += 1 << 20) expected.update(bytesOf(at, Math.min(BIG, at + (1 << 20)) - 1));
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    const growth = (peak - base) / 1024 / 1024;
    console.log(`download of ${BIG / 1024 / 1024} MB through the hub: peak RSS growth ${growth.toFixed(1)} MB (upstream, hub and client in one process)`);
    // Buffering the file would add at least its 160 MB; streaming stays far below half of it.
    expect(growth).toBeLessThan(80);
    expect(hub.usage.at(-1)).toMatchObject({ service: def.id, status: 200, bytes: BIG });
  });

  it('passes Range and If-Range upstream and the 206 back; a range the upstream ignores comes back as its 200', async () => {
    up.routes.push({ path: '/files/big.zip', handler: bigFile(true) }, { path: '/files/plain.zip', handler: bigFile(false) });
    const def = await serviceAt('/files/feed.xml');
    const res = await fetch(`${hub.url}/download/${def.id}/-/files/big.zip`, { headers: { range: 'bytes=1048570-1048585', 'if-range': '"v1"' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1048570-1048585/${SIZE}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytesOf(1048570, 1048585))).toBe(true);
    expect(up.requests[0].headers.range).toBe('bytes=1048570-1048585');
    expect(up.requests[0].headers['if-range']).toBe('"v1"');
    const whole = await fetch(`${hub.url}/download/${def.id}/-/files/plain.zip`, { headers: { range: 'bytes=0-9' } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(SIZE));
    await whole.body!.cancel();
  });

  it('answers upstream errors in JSON naming the service and the host: 404, 502, 504', async () => {
    up.routes.push(
      { path: '/dl/gone.zip', handler: reply(404, 'no') },
      { path: '/dl/broken.zip', handler: reply(500, 'boom') },
      { path: '/dl/slow.zip', handler: () => { /* never answers */ } },
    );
    const def = await serviceAt('/dl/feed.xml', { politeness: { concurrency: 4, timeoutMs: 400, maxBytes: 1e9 } });
    const host = new URL(up.url).host;
    for (const [p, status, code] of [['/dl/gone.zip', 404, 'not_found'], ['/dl/broken.zip', 502, 'upstream_unavailable'], ['/dl/slow.zip', 504, 'upstream_timeout']] as const) {
      const res = await fetch(`${hub.url}/download/${def.id}/-${p}`);
      expect(res.status).toBe(status);
      const body = await res.json() as { error: string; message: string };
      expect(body.error).toBe(code);
      expect(body.message).toContain(def.id);
      expect(body.message).toContain(host);
    }
    const unknown = await fetch(`${hub.url}/download/nope/-/x`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json() as { error: string }).error).toBe('service_not_found');
  });

  it('never reaches another host: crafted paths stay on the registered origin, redirects away are refused', async () => {
    const evilHost = new URL(evil.url).host;
    up.routes.push(
      { path: '/dl/away', handler: reply(302, '', { location: `${evil.url}/stolen` }) },
      { path: /.*/, handler: reply(404, 'not here') },
    );
    const def = await serviceAt('/dl/feed.xml');
    const crafted = [`//${evilHost}/x`, `/%2F%2F${evilHost}/x`, `/http://${evilHost}/x`, `/@${evilHost}/x`, `/%5C%5C${evilHost}/x`,
      `/..%2F..%2F${evilHost}`, `/%40${evilHost}`, `/x?url=${encodeURIComponent(evil.url)}`];
    // Under the feed's directory they are forwarded, as paths on the registered origin (404 there); at the root
    // of the origin they are refused by the path rule (download-paths.ts), after one read of the feed (a 404).
    for (const p of crafted) {
      const res = await fetch(`${hub.url}/download/${def.id}/-/dl${p}`);
      // (403 for those whose dot segments climb out of /dl/.)
      expect([403, 404], p).toContain(res.status);
      const outside = await fetch(`${hub.url}/download/${def.id}/-${p}`);
      expect([403], p).toContain(outside.status);
    }
    expect(up.requests.map((r) => r.url).filter((u) => !u.startsWith('/dl/'))).toEqual([]);
    expect(up.requests.filter((r) => r.url === '/dl/feed.xml')).toHaveLength(1);
    const away = await fetch(`${hub.url}/download/${def.id}/-/dl/away`);
    expect(away.status).toBe(502);
    expect((await away.json() as { error: string }).error).toBe('upstream_refused');
  });

  it('asks restricted services for a key, accepts it in the query, and never forwards it', async () => {
    up.routes.push({ path: '/files/a.gml', handler: file(`${atomDir}/inspire-tg-dataset-feed.xml`, 'application/gml+xml') });
    const def = await serviceAt('/files/feed.xml', { access: 'restricted' });
    const denied = await fetch(`${hub.url}/download/${def.id}/-/files/a.gml`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe(`Basic realm="moisson ${def.id}"`);
    const { key, secret } = await createAccessKey(store.db, 'test', [def.id]);
    const ok = await fetch(`${hub.url}/download/${def.id}/-/files/a.gml?v=1&key=${secret}`);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    expect(up.requests.map((r) => r.url)).toEqual(['/files/a.gml?v=1']);
    expect(hub.usage.at(-1)).toMatchObject({ service: def.id, key: key.id, status: 200 });
  });

  it('carries a key given as the query parameter into every hub link of a restricted service\'s feeds', async () => {
    up.routes.push(
      { path: '/download/en.xml', handler: (_q, res) => { res.writeHead(200, { 'content-type': 'application/atom+xml' }); res.end(feedFor('inspire-tg-service-feed.xml', up.url)); } },
      { path: '/data/waternetwork_feed.xml', handler: (_q, res) => { res.writeHead(200, { 'content-type': 'text/xml' }); res.end(feedFor('inspire-tg-dataset-feed.xml', up.url)); } },
    );
    const def = await serviceAt('/download/en.xml', { access: 'restricted' });
    const { secret } = await createAccessKey(store.db, 'web map', [def.id]);
    const feed = await (await fetch(`${hub.url}/download/${def.id}?key=${secret}`)).text();
    const hubLinks = [...feed.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&')).filter((h) => h.startsWith(hub.url));
    expect(hubLinks.length).toBeGreaterThan(1);
    for (const link of hubLinks) expect(new URL(link).searchParams.get('key'), link).toBe(secret);
    // A web client follows a link as written: admitted, and the key goes no further than the hub.
    const datasetFeed = hubLinks.find((h) => h.includes('/-/data/waternetwork_feed.xml'))!;
    const ds = await fetch(datasetFeed);
    expect(ds.status).toBe(200);
    expect(await ds.text()).toContain(`key=${secret}`);
    expect(up.requests.map((r) => r.url).filter((u) => u.includes('waternetwork'))).toEqual(['/data/waternetwork_feed.xml']);
    // Keys sent in a header are never written into documents.
    const byHeader = await (await fetch(`${hub.url}/download/${def.id}`, { headers: { 'x-moisson-key': secret } })).text();
    expect(byHeader).not.toContain(secret);
    expect(byHeader).toContain(`${hub.url}/download/${def.id}/-/data/waternetwork_feed.xml`);
  });
});
