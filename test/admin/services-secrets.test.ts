/**
 * Upstream header values (an upstream API key) are secrets: the admin API shows "***" in their place, and a
 * definition read, edited and PUT back with "***" keeps the stored values. Proven on the store and on a real
 * local upstream, which must receive the original value after the round trip.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { backends, useStore } from '../helpers/db.ts';
import { reply, startTestServer, type TestServer } from '../helpers/http-server.ts';
import { text } from '../proxy/gate/service.ts';
import { createApp } from '../../src/http/app.ts';
import { remoteOps } from '../../src/admin/client.ts';
import { storeSeedServices } from '../../src/admin/services-ops.ts';
import { getService, putService } from '../../src/store/services.ts';
import { parseService } from '../../src/proxy/services-def.ts';
import { upstreamFor } from '../../src/proxy/clients/upstream.ts';

const TOKEN = 'test-admin-token-secrets-0123456789';
const SECRET = 'sk-live-4f1e9c2b7a';
const TENANT = 'tenant-secret-83d2';

describe.each(backends)('upstream header secrets in the admin API on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: Server;
  let base: string;
  let upstream: TestServer;
  let keyed: Record<string, unknown>;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    upstream = await startTestServer([{ path: '/wms', handler: reply(200, 'ok', { 'content-type': 'text/plain' }) }]);
    keyed = { id: 'keyed', protocol: 'wms', url: `${upstream.url}/wms`, title: 'Keyed WMS',
      upstreamHeaders: { 'X-Api-Key': SECRET, 'X-Tenant': TENANT } };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await upstream.close();
  });
  beforeEach(() => {
    server.removeAllListeners('request');
    const app = createApp({ db: store.db, config: { baseUrl: base, adminToken: TOKEN }, logger: pino({ level: 'silent' }) });
    server.on('request', app.callback());
    upstream.requests.length = 0;
  });

  const api = (p: string, init: RequestInit = {}) =>
    fetch(`${base}/admin/api${p}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  const send = (p: string, body: unknown, method = 'POST') => api(p, { method, body: JSON.stringify(body) });
  const noSecret = (body: string) => {
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain(TENANT);
  };
  const redacted = { 'X-Api-Key': '***', 'X-Tenant': '***' };

  it('shows header names with "***" for their values in the POST answer, the list and the service', async () => {
    const created = await send('/services', keyed);
    expect(created.status).toBe(201);
    const createdText = await created.text();
    noSecret(createdText);
    expect(JSON.parse(createdText).service.upstreamHeaders).toEqual(redacted);

    const listText = await (await api('/services')).text();
    noSecret(listText);
    expect(JSON.parse(listText).services[0].upstreamHeaders).toEqual(redacted);
    const oneText = await (await api('/services/keyed')).text();
    noSecret(oneText);
    expect(JSON.parse(oneText).service.upstreamHeaders).toEqual(redacted);
    // Shown redacted, stored whole.
    expect((await getService(store.db, 'keyed'))!.upstreamHeaders).toEqual({ 'X-Api-Key': SECRET, 'X-Tenant': TENANT });
  });

  it('keeps the stored values when a definition read with GET is edited and PUT back', async () => {
    await send('/services', keyed);
    const { service } = (await (await api('/services/keyed')).json()) as { service: { upstreamHeaders: Record<string, string> } };
    const edited = { ...service, title: 'Edited', upstreamHeaders: { ...service.upstreamHeaders, 'X-Extra': 'extra-secret' } };
    const put = await send('/services/keyed', edited, 'PUT');
    expect(put.status).toBe(200);
    const putText = await put.text();
    noSecret(putText);
    expect(putText).not.toContain('extra-secret');
    expect(JSON.parse(putText).service.upstreamHeaders).toEqual({ ...redacted, 'X-Extra': '***' });

    const stored = (await getService(store.db, 'keyed'))!;
    expect(stored).toMatchObject({ title: 'Edited', upstreamHeaders: { 'X-Api-Key': SECRET, 'X-Tenant': TENANT, 'X-Extra': 'extra-secret' } });
    // What the proxy sends upstream with the stored definition: the original values, never the marker.
    const res = await upstreamFor(stored).request({ url: new URL('/wms?SERVICE=WMS&REQUEST=GetCapabilities', upstream.url) });
    expect(await text(res.body)).toBe('ok');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].headers).toMatchObject({ 'x-api-key': SECRET, 'x-tenant': TENANT, 'x-extra': 'extra-secret' });
    expect(upstream.unexpected).toEqual([]);
  });

  it('replaces a header given a new value and removes a header left out', async () => {
    await send('/services', keyed);
    const put = await send('/services/keyed', { ...keyed, upstreamHeaders: { 'X-Api-Key': 'rotated-key' } }, 'PUT');
    expect(put.status).toBe(200);
    expect(await put.text()).not.toContain('rotated-key');
    expect((await getService(store.db, 'keyed'))!.upstreamHeaders).toEqual({ 'X-Api-Key': 'rotated-key' });
  });

  it('matches the stored header names case-insensitively, as HTTP does', async () => {
    await send('/services', keyed);
    expect((await send('/services/keyed', { ...keyed, upstreamHeaders: { 'x-api-key': '***' } }, 'PUT')).status).toBe(200);
    expect((await getService(store.db, 'keyed'))!.upstreamHeaders).toEqual({ 'x-api-key': SECRET });
  });

  it('refuses "***" for a header the stored definition does not have, naming it, and changes nothing', async () => {
    await send('/services', keyed);
    const res = await send('/services/keyed', { ...keyed, title: 'Changed', upstreamHeaders: { 'X-Api-Key': '***', 'X-Other': '***' } }, 'PUT');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; message: string; details: { path: string; message: string }[] };
    expect(body.error).toBe('invalid_service');
    expect(body.message).toContain("upstreamHeaders.X-Other: '***' keeps a stored value, but service keyed has none");
    expect(body.details).toEqual([{ path: 'upstreamHeaders.X-Other', message: "'***' keeps a stored value, but service keyed has none" }]);
    expect(await getService(store.db, 'keyed')).toMatchObject({ title: 'Keyed WMS', upstreamHeaders: { 'X-Api-Key': SECRET, 'X-Tenant': TENANT } });

    const fresh = await send('/services', { ...keyed, id: 'fresh', upstreamHeaders: { 'X-Api-Key': '***' } });
    expect(fresh.status).toBe(422);
    expect(((await fresh.json()) as { message: string }).message).toContain("upstreamHeaders.X-Api-Key: '***' keeps a stored value, but service fresh has none");
    expect(await getService(store.db, 'fresh')).toBeNull();
  });

  it.runIf(backend.name === 'pg')('keeps a value another writer stored while a PUT with "***" waited for the row', async () => {
    expect((await send('/services', keyed)).status).toBeLessThan(300);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => { holding = resolve; });
    // Another writer (a seed import, a second admin) holds the row and rotates the key, not committed yet.
    const other = store.db.tx(async (t) => {
      await t.query(`SELECT 1 FROM services WHERE id = 'keyed' FOR UPDATE`);
      await putService(t, parseService({ ...keyed, upstreamHeaders: { 'X-Api-Key': 'rotated-key', 'X-Tenant': TENANT } }));
      holding();
      await gate;
    });
    await held;
    const put = send('/services/keyed', { ...keyed, title: 'Renamed', upstreamHeaders: redacted }, 'PUT');
    // Until the PUT waits for the row (to read it, or, read unlocked, to write it).
    for (let i = 0; i < 200; i++) {
      const waiting = await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
      if (waiting.rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    release();
    await other;
    expect((await put).status).toBe(200);
    const stored = await getService(store.db, 'keyed');
    expect(stored?.title).toBe('Renamed');
    // Read after the other writer committed: the rotated key is kept, not the one it replaced.
    expect(stored?.upstreamHeaders).toEqual({ 'X-Api-Key': 'rotated-key', 'X-Tenant': TENANT });
  });

  it('works the same through the admin API client the CLI forwards to', async () => {
    const ops = remoteOps(base, TOKEN);
    noSecret(JSON.stringify(await ops.addService(keyed)));
    const { service } = await ops.showService('keyed');
    noSecret(JSON.stringify(service));
    noSecret(JSON.stringify(await ops.listServices()));
    await ops.addService({ ...service, title: 'Via the client' });
    expect(await getService(store.db, 'keyed')).toMatchObject({ title: 'Via the client', upstreamHeaders: { 'X-Api-Key': SECRET, 'X-Tenant': TENANT } });
  });

  it('lets seed services keep stored header values with "***", and refuses one with nothing to keep', async () => {
    await send('/services', keyed);
    const seed = parseService({ ...keyed, title: 'From seeds', upstreamHeaders: { 'X-Api-Key': '***' } });
    expect(await storeSeedServices(store.db, [seed])).toMatchObject({ updated: ['keyed'] });
    expect(await getService(store.db, 'keyed')).toMatchObject({ title: 'From seeds', upstreamHeaders: { 'X-Api-Key': SECRET } });

    const other = parseService({ ...keyed, id: 'other', upstreamHeaders: { 'X-Api-Key': '***' } });
    await expect(storeSeedServices(store.db, [seed, other])).rejects.toMatchObject({ code: 'invalid_service',
      details: [{ path: 'services.json#services[1].upstreamHeaders.X-Api-Key', message: "'***' keeps a stored value, but service other has none" }] });
    expect(await getService(store.db, 'other')).toBeNull();
  });
});
