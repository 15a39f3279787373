/**
 * Mirrored downloads (issue 6 §4, `options.mirror: true`): fetched once, served from disk with Range, checked
 * against what the feed announces, and a corrupt copy is never served.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends, useStore } from '../../helpers/db.ts';
import { startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { putService } from '../../../src/store/services.ts';
import { bytesOf, downloadService, startHub, writeBytes, type Hub } from './hub.ts';

const SIZE = 3 * 1024 * 1024 + 17;
const FILE = bytesOf(0, SIZE - 1);
const SHA256 = createHash('sha256').update(FILE).digest('hex');

/** A dataset feed announcing the file with the given length and title. */
function feed(origin: string, length: number, title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>ds</title><id>${origin}/ds.xml</id><updated>2025-01-01T00:00:00Z</updated>
<entry><title>f</title><id>${origin}/files/f.zip</id><updated>2025-01-01T00:00:00Z</updated>
<link rel="alternate" href="${origin}/files/f.zip" type="application/zip" length="${length}" title="${title}"/></entry></feed>`;
}

async function body(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

/** Every mirrored data file under the hub's DATA_DIR (not the sidecars, not temp files). */
function copies(hub: Hub): string[] {
  const root = path.join(hub.dataDir, 'downloads');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith('.json') && !d.parentPath.endsWith('.tmp'))
    .map((d) => path.join(d.parentPath, d.name));
}

describe.each(backends)('download mirror on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let up: TestServer;
  let hub: Hub;
  let announced = { length: SIZE, title: 'ZIP' };

  beforeAll(async () => {
    up = await startTestServer([
      { path: '/files/f.zip', handler: (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': SIZE, 'content-disposition': 'attachment; filename="f.zip"',
          'last-modified': 'Tue, 01 Apr 2025 10:00:00 GMT', 'accept-ranges': 'bytes' });
        return writeBytes(res, 0, SIZE - 1);
      } },
      { path: '/ds.xml', handler: (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/atom+xml' });
        res.end(feed(up.url, announced.length, announced.title));
      } },
    ]);
  });
  afterAll(() => up.close());
  afterEach(async () => {
    expect(up.unexpected).toEqual([]);
    up.requests.length = 0;
    announced = { length: SIZE, title: 'ZIP' };
    await hub.close();
  });

  async function mirroredService() {
    hub = await startHub(store.db);
    const def = downloadService(`${up.url}/ds.xml`, { options: { mirror: true } });
    await putService(store.db, def);
    return { def, file: `${hub.url}/download/${def.id}/-/files/f.zip`, feed: `${hub.url}/download/${def.id}` };
  }
  const fileRequests = () => up.requests.filter((r) => r.url === '/files/f.zip').length;

  it('fetches a file once, then serves it from disk: whole, one range, suffix, 304, HEAD', async () => {
    const { file } = await mirroredService();
    const first = await fetch(file);
    expect(first.headers.get('x-moisson-mirror')).toBe('fill');
    expect((await body(first)).equals(FILE)).toBe(true);
    expect(copies(hub)).toHaveLength(1);
    const second = await fetch(file);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-moisson-mirror')).toBe('hit');
    expect(second.headers.get('content-length')).toBe(String(SIZE));
    expect(second.headers.get('content-disposition')).toBe('attachment; filename="f.zip"');
    expect(second.headers.get('last-modified')).toBe('Tue, 01 Apr 2025 10:00:00 GMT');
    expect((await body(second)).equals(FILE)).toBe(true);
    const etag = second.headers.get('etag')!;
    const part = await fetch(file, { headers: { range: 'bytes=1048570-1048600' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1048570-1048600/${SIZE}`);
    expect((await body(part)).equals(FILE.subarray(1048570, 1048601))).toBe(true);
    const tail = await fetch(file, { headers: { range: 'bytes=-10', 'if-range': etag } });
    expect(tail.status).toBe(206);
    expect((await body(tail)).equals(FILE.subarray(SIZE - 10))).toBe(true);
    const notModified = await fetch(file, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const head = await fetch(file, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(SIZE));
    expect(fileRequests()).toBe(1);
  });

  it('revalidates a copy older than cache.maxAgeSeconds with a conditional HEAD: kept on 304, replaced when changed, served when the upstream is down', async () => {
    let version = 1;
    let down = false;
    const bytesOfVersion = () => Buffer.from(`version ${version} `.repeat(1000));
    up.routes.push({ path: '/files/v.zip', handler: (req, res) => {
      if (down) return void res.writeHead(503).end();
      const etag = `"v${version}"`;
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      const b = bytesOfVersion();
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': b.length, etag });
      res.end(b);
    } });
    // The copy's age is read off the clock: this test moves the clock (Date only; timers stay real) instead of
    // sleeping, so that a slow machine cannot age a copy between two requests that must both find it fresh.
    vi.useFakeTimers({ toFake: ['Date'] });
    const age = (ms: number) => vi.setSystemTime(Date.now() + ms);
    try {
      hub = await startHub(store.db);
      const def = downloadService(`${up.url}/ds.xml`, { options: { mirror: true },
        cache: { tiles: false, maxAgeSeconds: 1, staleIfError: false, seeding: false } });
      await putService(store.db, def);
      const file = `${hub.url}/download/${def.id}/-/files/v.zip`;
      const seen = () => up.requests.filter((r) => r.url === '/files/v.zip').map((r) => `${r.method} ${r.headers['if-none-match'] ?? ''}`.trim());
      expect((await fetch(file)).headers.get('x-moisson-mirror')).toBe('fill');
      const hit = await fetch(file);
      expect([hit.headers.get('x-moisson-mirror'), (await body(hit)).toString()]).toEqual(['hit', bytesOfVersion().toString()]);
      expect(seen()).toEqual(['GET']);
      age(1100);
      // Unchanged upstream: 304 to one conditional HEAD however many clients ask at once, the copy is served and
      // confirmed for another second.
      const many = await Promise.all(Array.from({ length: 6 }, () => fetch(file)));
      expect(many.map((r) => r.headers.get('x-moisson-mirror'))).toEqual(Array(6).fill('hit'));
      await Promise.all(many.map(body));
      expect((await fetch(file)).headers.get('x-moisson-mirror')).toBe('hit');
      expect(seen()).toEqual(['GET', 'HEAD "v1"']);
      age(1100);
      version = 2;
      const changed = await fetch(file);
      expect(changed.headers.get('x-moisson-mirror')).toBe('fill');
      expect((await body(changed)).toString()).toBe(bytesOfVersion().toString());
      expect(seen()).toEqual(['GET', 'HEAD "v1"', 'HEAD "v1"', 'GET']);
      const again = await fetch(file);
      expect([again.headers.get('x-moisson-mirror'), (await body(again)).toString()]).toEqual(['hit', bytesOfVersion().toString()]);
      age(1100);
      down = true;
      const whileDown = await fetch(file);
      expect([whileDown.status, whileDown.headers.get('x-moisson-mirror'), (await body(whileDown)).toString()]).toEqual([200, 'hit', bytesOfVersion().toString()]);
      expect((await fetch(file)).headers.get('x-moisson-mirror')).toBe('hit');
      expect(seen()).toEqual(['GET', 'HEAD "v1"', 'HEAD "v1"', 'GET', 'HEAD "v2"']);
    } finally {
      vi.useRealTimers();
      up.routes.splice(up.routes.findIndex((r) => r.path === '/files/v.zip'), 1);
    }
  });

  it('answers 416 outside the file, and the whole file for several ranges or a stale If-Range', async () => {
    const { file } = await mirroredService();
    await body(await fetch(file));
    const outside = await fetch(file, { headers: { range: `bytes=${SIZE}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    expect((await outside.json() as { error: string }).error).toBe('range_not_satisfiable');
    const multi = await fetch(file, { headers: { range: 'bytes=0-9,20-29' } });
    expect(multi.status).toBe(200);
    expect((await body(multi)).length).toBe(SIZE);
    const stale = await fetch(file, { headers: { range: 'bytes=0-9', 'if-range': '"something-else"' } });
    expect(stale.status).toBe(200);
    expect((await body(stale)).length).toBe(SIZE);
    expect(fileRequests()).toBe(1);
  });

  it('never serves a corrupt copy: it is deleted and fetched again', async () => {
    const { file } = await mirroredService();
    await body(await fetch(file));
    const [copy] = copies(hub);
    const bytes = readFileSync(copy);
    bytes[12345] ^= 0xff;
    writeFileSync(copy, bytes);
    const again = await fetch(file);
    expect(again.headers.get('x-moisson-mirror')).toBe('fill');
    expect((await body(again)).equals(FILE)).toBe(true);
    expect(fileRequests()).toBe(2);
    expect(readFileSync(copies(hub)[0]).equals(FILE)).toBe(true);
    expect((await fetch(file)).headers.get('x-moisson-mirror')).toBe('hit');
  });

  it('verifies the checksum the feed announces: a match is recorded, a mismatch aborts the transfer and keeps no copy', async () => {
    const { file, feed: feedUrl } = await mirroredService();
    announced.title = `ZIP (SHA-256: ${'0'.repeat(64)})`;
    expect(await (await fetch(`${feedUrl}/-/ds.xml`)).text()).toContain(`href="${file}"`);
    await expect(fetch(file).then(body)).rejects.toThrow();
    expect(copies(hub)).toEqual([]);
    announced.title = `ZIP (SHA-256: ${SHA256})`;
    await (await fetch(`${feedUrl}/-/ds.xml`)).text();
    expect((await body(await fetch(file))).equals(FILE)).toBe(true);
    const [copy] = copies(hub);
    expect(JSON.parse(readFileSync(`${copy}.json`, 'utf8'))).toMatchObject({ sha256: SHA256, size: SIZE, announced: { algorithm: 'sha256', value: SHA256 } });
  });

  it('keeps no copy when the feed announces another length, and drops a copy the feed no longer describes', async () => {
    const { file, feed: feedUrl } = await mirroredService();
    announced.length = SIZE + 1;
    await (await fetch(`${feedUrl}/-/ds.xml`)).text();
    // The client still gets the upstream's bytes (feeds' lengths are often stale), but nothing is kept.
    expect((await body(await fetch(file))).equals(FILE)).toBe(true);
    expect(copies(hub)).toEqual([]);
    announced.length = SIZE;
    await (await fetch(`${feedUrl}/-/ds.xml`)).text();
    await body(await fetch(file));
    expect(copies(hub)).toHaveLength(1);
    announced.length = SIZE - 1;
    await (await fetch(`${feedUrl}/-/ds.xml`)).text();
    expect((await fetch(file)).headers.get('x-moisson-mirror')).not.toBe('hit');
  });

  it('passes a Range request on a file without copy upstream and fills the copy in the background', async () => {
    const { file } = await mirroredService();
    const part = await fetch(file, { headers: { range: 'bytes=0-99' } });
    expect(part.headers.get('x-moisson-mirror')).toBe('miss');
    await body(part);
    // The fill ends by renaming the data into place, then its sidecar (store.commit): wait for both.
    const committed = () => copies(hub).length === 1 && existsSync(`${copies(hub)[0]}.json`);
    for (let i = 0; i < 100 && !committed(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(copies(hub)).toHaveLength(1);
    const hit = await fetch(file, { headers: { range: 'bytes=100-199' } });
    expect(hit.headers.get('x-moisson-mirror')).toBe('hit');
    expect((await body(hit)).equals(FILE.subarray(100, 200))).toBe(true);
  });
});
