/**
 * The gate seen from outside, through the hub's real routes (/download and /ows, built on admit, forwardHeaders,
 * stripKeyParam and upstreamFor): a client's credentials never reach the upstream, a restricted service
 * challenges GIS clients with Basic, and no request path makes the hub reach a host other than the registered
 * one. Two real local servers: the registered upstream and "evil", which must see nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../../src/http/app.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import { createUsageRecorder, type UsageRecorder } from '../../../src/proxy/usage.ts';
import { createAccessKey, putService, usageOf } from '../../../src/store/services.ts';
import { reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { service } from './service.ts';

describe.each(backends)('proxy routes behind the gate on $name', (backend) => {
  const store = useStore(backend, import.meta.url, { truncate: false });
  let up: TestServer;
  let evil: TestServer;
  let hub: Server;
  let base: string;
  let usage: UsageRecorder;
  let dataDir: string;
  let secret: string;
  let keyId: string;
  const ids = { download: '', ows: '' };

  beforeAll(async () => {
    up = await startTestServer([
      { path: /.*/, handler: reply(200, 'upstream bytes', { 'content-type': 'application/octet-stream' }) },
    ]);
    evil = await startTestServer([{ path: /.*/, handler: reply(200, 'evil') }]);
    const dl = service(`${up.url}/files/top.xml`, { protocol: 'atom-download', access: 'restricted' });
    const ows = service(`${up.url}/wms?map=demo`, { protocol: 'wms', access: 'restricted' });
    [ids.download, ids.ows] = [dl.id, ows.id];
    await putService(store.db, dl);
    await putService(store.db, ows);
    ({ secret, key: { id: keyId } } = await createAccessKey(store.db, 'test', null));
    dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-gate-'));
    usage = createUsageRecorder(store.db, undefined, 60_000);
    const app = createApp({ db: store.db, config: { baseUrl: 'https://hub.example' }, logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }), dataDir, usage });
    hub = createServer(app.callback());
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await usage.close();
    await new Promise<void>((resolve) => { hub.closeAllConnections(); hub.close(() => resolve()); });
    await up.close();
    await evil.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(evil.requests).toEqual([]);
    expect(up.unexpected).toEqual([]);
    up.requests.length = 0;
  });

  const basic = (password: string) => `Basic ${Buffer.from(`qgis:${password}`).toString('base64')}`;

  it('forwards no client credentials upstream, in any of the three forms', async () => {
    const cases: [string, Record<string, string>][] = [
      [`/download/${ids.download}/-/files/a.zip?key=${secret}&v=1`, { cookie: 'session=abc', authorization: 'Bearer client-token' }],
      [`/download/${ids.download}/-/files/a.zip?v=1`, { 'x-moisson-key': secret, cookie: 'session=abc' }],
      [`/download/${ids.download}/-/files/a.zip?v=1`, { authorization: basic(secret), cookie: 'session=abc' }],
      [`/ows/${ids.ows}?SERVICE=WMS&REQUEST=GetMap&KEY=${secret}&LAYERS=a`, { cookie: 'session=abc', 'proxy-authorization': 'Basic eA==' }],
      [`/ows/${ids.ows}?SERVICE=WMS&REQUEST=GetMap&LAYERS=a`, { authorization: basic(secret), 'x-forwarded-host': 'evil.example' }],
    ];
    for (const [url, headers] of cases) {
      const res = await fetch(base + url, { headers });
      expect(res.status, url).toBe(200);
      expect(await res.text()).toBe('upstream bytes');
    }
    expect(up.requests).toHaveLength(cases.length);
    for (const seen of up.requests) {
      expect(seen.url).not.toMatch(/key=/i);
      expect(seen.url).not.toContain(secret);
      for (const h of ['authorization', 'cookie', 'x-moisson-key', 'proxy-authorization', 'x-forwarded-host']) {
        expect(seen.headers[h], `${h} on ${seen.url}`).toBeUndefined();
      }
      expect(JSON.stringify(seen.headers)).not.toContain(secret);
      expect(seen.headers['user-agent']).toBe('moisson/0.1.0 (+https://hub.example)');
    }
  });

  it('challenges a client without credentials with Basic, and refuses a wrong key', async () => {
    for (const url of [`/download/${ids.download}/-/files/a.zip`, `/ows/${ids.ows}?SERVICE=WMS&REQUEST=GetCapabilities`]) {
      const res = await fetch(base + url);
      expect(res.status, url).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Basic realm="moisson ${url.split('/')[2].split('?')[0]}"`);
      const wrong = await fetch(base + url, { headers: { authorization: basic(`mk_${'x'.repeat(43)}`) } });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toMatch(/not known to this hub/);
    }
    expect(up.requests).toEqual([]);
  });

  it('never reaches another host through crafted paths', async () => {
    const evilHost = new URL(evil.url).host;
    const paths = [
      `//${evilHost}/`, `/%2F%2F${evilHost}/`, `/%2f%2f${evilHost}/`, `/%5C%5C${evilHost}/`, `/\\\\${evilHost}/`,
      `/@${evilHost}/`, `/%40${evilHost}/`, `/http://${evilHost}/`, `/http:%2F%2F${evilHost}/`, `/..%2F..%2F${evilHost}`,
      `/files/x?url=${encodeURIComponent(evil.url)}`,
    ];
    for (const prefix of [`/download/${ids.download}/-`, `/ows/${ids.ows}/-`]) {
      for (const p of paths) {
        const res = await fetch(base + prefix + p, { headers: { 'x-moisson-key': secret } });
        await res.arrayBuffer();
        // 403: /-/ refuses paths the service's documents do not point at (ows-paths.ts, download-paths.ts).
        expect([200, 400, 403, 404, 502, 599], `${prefix}${p} → ${res.status}`).toContain(res.status);
      }
    }
    // What did reach the registered upstream stayed a path on it.
    for (const r of up.requests) expect(r.url.startsWith('/')).toBe(true);
  });

  it('counts usage per service and key', async () => {
    await fetch(`${base}/download/${ids.download}/-/files/b.zip`, { headers: { 'x-moisson-key': secret } }).then((r) => r.text());
    await fetch(`${base}/download/${ids.download}/-/files/b.zip`).then((r) => r.text());
    await usage.flush();
    const rows = await usageOf(store.db, { service: ids.download });
    expect(rows.find((r) => r.key === keyId && r.status === 200)?.requests).toBeGreaterThanOrEqual(1);
    expect(rows.find((r) => r.key === '' && r.status === 401)?.requests).toBeGreaterThanOrEqual(1);
  });
});
