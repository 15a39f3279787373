import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { backends, useStore } from '../helpers/db.ts';
import { createApp } from '../../src/http/app.ts';
import { defaultSeedsDir } from '../../src/config.ts';
import { remoteOps } from '../../src/admin/client.ts';
import { localOps } from '../../src/admin/ops.ts';
import { addUsage, findAccessKey, getService, putService } from '../../src/store/services.ts';
import { parseService } from '../../src/proxy/services-def.ts';
import { createUsageRecorder } from '../../src/proxy/gate.ts';

const TOKEN = 'test-admin-token-0123456789';
const wms = { id: 'ign-wms', protocol: 'wms', url: 'https://data.geopf.fr/wms-r', title: 'WMS', access: 'restricted' };

describe.each(backends)('admin API of proxied services on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    server.removeAllListeners('request');
    const app = createApp({ db: store.db, config: { baseUrl: base, adminToken: TOKEN, seedsDir: defaultSeedsDir }, logger: pino({ level: 'silent' }) });
    server.on('request', app.callback());
  });

  const api = (p: string, init: RequestInit = {}, auth = `Bearer ${TOKEN}`) =>
    fetch(`${base}/admin/api${p}`, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const post = (p: string, body: unknown, method = 'POST') => api(p, { method, body: JSON.stringify(body) });

  it('needs the admin token', async () => {
    expect((await api('/services', {}, '')).status).toBe(401);
    expect((await api('/keys', {}, 'Bearer wrong')).status).toBe(403);
    expect((await post('/keys', { name: 'x' }).then((r) => r.status))).toBe(201);
    expect((await api('/usage', {}, '')).status).toBe(401);
  });

  it('creates (with defaults), shows, replaces and removes a service', async () => {
    const created = await post('/services', wms);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/api/services/ign-wms');
    const body = (await created.json()) as { status: string; service: Record<string, unknown> };
    expect(body).toMatchObject({ status: 'created', service: { enabled: true, access: 'restricted', politeness: { concurrency: 4, timeoutMs: 30000 } } });
    expect(await getService(store.db, 'ign-wms')).toEqual(body.service);

    const listed = (await (await api('/services')).json()) as { services: { id: string }[] };
    expect(listed.services.map((s) => s.id)).toEqual(['ign-wms']);
    const shown = (await (await api('/services/ign-wms')).json()) as { service: { title: string }; usage: unknown[] };
    expect(shown).toMatchObject({ service: { title: 'WMS' }, usage: [] });

    const put = await post('/services/ign-wms', { protocol: 'wms', url: 'https://data.geopf.fr/wms-v/ows', enabled: false }, 'PUT');
    expect(put.status).toBe(200);
    expect(await getService(store.db, 'ign-wms')).toMatchObject({ url: 'https://data.geopf.fr/wms-v/ows', enabled: false, access: 'public' });
    expect((await post('/services/other', { id: 'ign-wms', protocol: 'wms', url: 'https://a.example/' }, 'PUT')).status).toBe(400);

    expect((await api('/services/ign-wms', { method: 'DELETE' })).status).toBe(204);
    const gone = await api('/services/ign-wms');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: 'service_not_found', message: expect.stringContaining('ign-wms') });
    expect((await api('/services/ign-wms', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 422 with every problem and its path for an invalid definition', async () => {
    const res = await post('/services', { id: 'osm', protocol: 'xyz', url: 'https://tile.openstreetmap.org/',
      layers: [{ id: 'standard', template: '//evil.example/{z}/{x}/{y}.png' }], cache: { maxAgeSeconds: 60 } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; details: { path: string; message: string }[] };
    expect(body.error).toBe('invalid_service');
    expect(body.details.map((d) => d.path)).toEqual(['layers[0].template', 'cache.maxAgeSeconds']);
    expect(body.details[1].message).toContain('https://operations.osmfoundation.org/policies/tiles/');
    expect(await getService(store.db, 'osm')).toBeNull();
    expect((await api('/services', { method: 'POST', body: '{"id": ' })).status).toBe(400);
  });

  it('creates a key whose secret is shown once and only its hash kept; revokes it', async () => {
    await putService(store.db, parseService(wms));
    const res = await post('/keys', { name: 'QGIS team', services: ['ign-wms'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { key, secret } = (await res.json()) as { key: { id: string }; secret: string };
    expect(secret).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    expect(await findAccessKey(store.db, secret)).toMatchObject({ id: key.id, services: ['ign-wms'], revokedAt: null });

    const listText = await (await api('/keys')).text();
    expect(listText).toContain(key.id);
    expect(listText).not.toContain(secret);
    expect(listText).not.toContain('hash');

    expect((await api(`/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await findAccessKey(store.db, secret))?.revokedAt).not.toBeNull();
    const unknown = await api('/keys/k_00000000', { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'key_not_found' });
  });

  it('refuses a key without a name or naming unknown services', async () => {
    expect(await (await post('/keys', {})).json()).toMatchObject({ error: 'invalid_parameter', locator: 'name' });
    expect(await (await post('/keys', { name: 'a', services: [] })).json()).toMatchObject({ error: 'invalid_parameter', locator: 'services' });
    const res = await post('/keys', { name: 'a', services: ['nope'] });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'service_not_found', message: expect.stringContaining('"nope"') });
  });

  it('reports usage by service and day, and refuses a malformed day', async () => {
    const row = { day: '2025-03-01', service: 'osm', layer: 'standard', key: '', status: 200, requests: 4, bytes: 1000 };
    await addUsage(store.db, [row, { ...row, day: '2025-03-05', service: 'swisstopo' }]);
    const all = (await (await api('/usage')).json()) as { usage: unknown[] };
    expect(all.usage).toEqual([row, { ...row, day: '2025-03-05', service: 'swisstopo' }]);
    expect(((await (await api('/usage?service=osm')).json()) as { usage: unknown[] }).usage).toEqual([row]);
    expect(((await (await api('/usage?since=2025-03-02')).json()) as { usage: { service: string }[] }).usage.map((u) => u.service)).toEqual(['swisstopo']);
    for (const bad of ['2025-02-30', 'yesterday', '2025-3-1']) {
      const res = await api(`/usage?since=${bad}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_parameter', locator: 'since' });
    }
    expect((await api('/usage?since=2025-03-01&since=2025-03-02')).status).toBe(400);
  });

  it('flushes the usage still in memory before reading it', async () => {
    let flushed = 0;
    const ops = localOps(store.db, { flushUsage: async () => {
      flushed++;
      await addUsage(store.db, [{ day: '2025-04-01', service: 'osm', layer: '', key: '', status: 200, requests: 1, bytes: 1 }]);
    } });
    expect(await ops.usage({ service: 'osm' })).toHaveLength(1);
    expect(flushed).toBe(1);
  });

  it('includes the hub\'s usage counts not yet written to the store', async () => {
    const usage = createUsageRecorder(store.db, undefined, 3_600_000);
    try {
      server.removeAllListeners('request');
      const app = createApp({ db: store.db, config: { baseUrl: base, adminToken: TOKEN }, logger: pino({ level: 'silent' }), usage });
      server.on('request', app.callback());
      usage.count({ service: 'osm', layer: 'standard', status: 200, bytes: 512 });
      const body = (await (await api('/usage?service=osm')).json()) as { usage: { requests: number; bytes: number }[] };
      expect(body.usage).toEqual([expect.objectContaining({ service: 'osm', layer: 'standard', key: '', status: 200, requests: 1, bytes: 512 })]);
    } finally {
      await usage.close();
    }
  });

  it('works the same through the admin API client the CLI uses', async () => {
    const ops = remoteOps(base, TOKEN);
    expect(await ops.addService({ ...wms, access: 'public' })).toMatchObject({ status: 'created', service: { id: 'ign-wms' } });
    expect((await ops.listServices()).map((s) => s.id)).toEqual(['ign-wms']);
    expect((await ops.showService('ign-wms')).service.access).toBe('public');
    await expect(ops.addService({ id: 'x', protocol: 'wms', url: 'ftp://x' })).rejects.toMatchObject({
      code: 'invalid_service', details: [{ path: 'url', message: 'must be an http(s) URL, got ftp:' }] });
    const { key, secret } = await ops.addKey({ name: 'app', services: null });
    expect(secret).toMatch(/^mk_/);
    expect((await ops.listKeys()).map((k) => k.id)).toEqual([key.id]);
    await ops.revokeKey(key.id);
    expect((await ops.listKeys())[0].revokedAt).not.toBeNull();
    await expect(ops.revokeKey('k_00000000')).rejects.toMatchObject({ code: 'key_not_found' });
    expect(await ops.usage({ service: 'ign-wms' })).toEqual([]);
    await ops.removeService('ign-wms');
    await expect(ops.showService('ign-wms')).rejects.toMatchObject({ code: 'service_not_found' });
  });

  it('imports the seed services with the seed sources, keeping an admin\'s changes', async () => {
    const res = await post('/import-seeds', {});
    const body = (await res.json()) as { created: string[]; services: { created: string[] } };
    expect(body.created).toContain('demo');
    expect(body.services.created).toEqual(expect.arrayContaining(['osm', 'swisstopo', 'geoplateforme-wmts']));
    const osm = (await getService(store.db, 'osm'))!;
    await putService(store.db, { ...osm, enabled: false });
    const again = (await (await post('/import-seeds', { keepExisting: true })).json()) as { services: { kept: string[]; created: string[] } };
    expect(again.services.kept).toContain('osm');
    expect(again.services.created).toEqual([]);
    expect((await getService(store.db, 'osm'))!.enabled).toBe(false);
  });
});
