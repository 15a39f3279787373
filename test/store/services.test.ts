import { describe, expect, it } from 'vitest';
import {
  addUsage, createAccessKey, deleteService, findAccessKey, getService, listAccessKeys, listServices, putService,
  revokeAccessKey, usageOf, type ServiceDef,
} from '../../src/store/services.ts';
import { backends, useStore } from '../helpers/db.ts';

const osm: ServiceDef = {
  id: 'osm',
  protocol: 'xyz',
  url: 'https://tile.openstreetmap.org/',
  title: 'OpenStreetMap',
  enabled: true,
  access: 'public',
  politeness: { concurrency: 2, timeoutMs: 30000, maxBytes: 500_000_000 },
  cache: { tiles: true, maxAgeSeconds: 604800, staleIfError: true, seeding: false },
  attribution: { title: "© les contributeurs d'OpenStreetMap", url: 'https://www.openstreetmap.org/copyright' },
  layers: [{ id: 'standard', template: '{z}/{x}/{y}.png' }],
};

const wms: ServiceDef = {
  id: 'ign-wms', protocol: 'wms', url: 'https://data.geopf.fr/wms-r', enabled: false, access: 'restricted',
  politeness: { concurrency: 4, rate: 15, userAgent: 'test', timeoutMs: 1000, maxBytes: 1000 },
  cache: { tiles: false, maxAgeSeconds: 60, staleIfError: false, seeding: false },
  upstreamHeaders: { 'x-api-key': 'upstream' },
  options: { provenance: 'test' },
};

describe.each(backends)('services on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('creates then updates a service, round-tripping the whole definition', async () => {
    expect(await putService(store.db, osm)).toBe('created');
    expect(await getService(store.db, 'osm')).toEqual(osm);
    const changed = { ...osm, title: undefined, enabled: false, layers: undefined, cache: { ...osm.cache, maxAgeSeconds: 1209600 } };
    expect(await putService(store.db, changed)).toBe('updated');
    const got = await getService(store.db, 'osm');
    expect(got).not.toHaveProperty('title');
    expect(got).not.toHaveProperty('layers');
    expect(got).toMatchObject({ enabled: false, cache: { maxAgeSeconds: 1209600 } });
  });

  it('lists in id order, returns null for an unknown id, deletes', async () => {
    await putService(store.db, wms);
    await putService(store.db, osm);
    expect((await listServices(store.db)).map((s) => s.id)).toEqual(['ign-wms', 'osm']);
    expect(await getService(store.db, 'ign-wms')).toEqual(wms);
    expect(await getService(store.db, 'nope')).toBeNull();
    expect(await deleteService(store.db, 'osm')).toBe(true);
    expect(await deleteService(store.db, 'osm')).toBe(false);
    expect((await listServices(store.db)).map((s) => s.id)).toEqual(['ign-wms']);
  });

  it('creates keys shown once, stores only their hash and finds them by secret', async () => {
    const { key, secret } = await createAccessKey(store.db, 'QGIS team', ['ign-wms']);
    expect(secret).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ id: expect.stringMatching(/^k_[0-9a-f]{8}$/), name: 'QGIS team', services: ['ign-wms'], revokedAt: null });
    const stored = await store.db.query<{ hash: string }>('SELECT hash FROM access_keys');
    expect(stored.rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(3));
    expect(await findAccessKey(store.db, secret)).toEqual(key);
    expect(await findAccessKey(store.db, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await findAccessKey(store.db, 'garbage')).toBeNull();
    const all = await createAccessKey(store.db, 'everything', null);
    expect(all.key.services).toBeNull();
    expect(all.secret).not.toBe(secret);
    expect((await listAccessKeys(store.db)).map((k) => k.name)).toEqual(['QGIS team', 'everything']);
  });

  it('revokes a key, which is still found (so the gate can say "revoked") with its revocation date', async () => {
    const { key, secret } = await createAccessKey(store.db, 'app', null);
    expect(await revokeAccessKey(store.db, key.id)).toBe(true);
    const found = await findAccessKey(store.db, secret);
    expect(found?.revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const first = found!.revokedAt;
    expect(await revokeAccessKey(store.db, key.id)).toBe(true);
    expect((await findAccessKey(store.db, secret))?.revokedAt).toBe(first);
    expect(await revokeAccessKey(store.db, 'k_00000000')).toBe(false);
  });

  it('adds usage counters, summing rows of one batch and across batches', async () => {
    const row = { day: '2025-03-01', service: 'osm', layer: 'standard', key: '', status: 200, requests: 1, bytes: 100 };
    await addUsage(store.db, [row, row, { ...row, status: 304, bytes: 0 }]);
    await addUsage(store.db, [{ ...row, requests: 5, bytes: 2 ** 40 }]);
    await addUsage(store.db, [{ ...row, day: '2025-03-02', service: 'ign-wms', layer: '', key: 'k_12345678' }]);
    await addUsage(store.db, []);
    expect(await usageOf(store.db, { service: 'osm' })).toEqual([
      { ...row, requests: 7, bytes: 200 + 2 ** 40 },
      { ...row, status: 304, bytes: 0 },
    ]);
    expect((await usageOf(store.db, { since: '2025-03-02' })).map((r) => r.service)).toEqual(['ign-wms']);
    expect(await usageOf(store.db, {})).toHaveLength(3);
  });

  it('keeps usage rows when their service is removed', async () => {
    await putService(store.db, osm);
    await addUsage(store.db, [{ day: '2025-03-01', service: 'osm', layer: 'standard', key: '', status: 200, requests: 3, bytes: 9 }]);
    await deleteService(store.db, 'osm');
    expect(await usageOf(store.db, { service: 'osm' })).toHaveLength(1);
  });
});
