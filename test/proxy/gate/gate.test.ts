/**
 * Admission (issue 6 §5): service lookup, access keys in a header, a query parameter or HTTP Basic, 401/403,
 * and the caching that keeps the store off the tile path. On every store backend.
 */
import { describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { admit, credentialsOf, forgetProxyCaches, stripKeyParam, type ProxyDeps } from '../../../src/proxy/gate.ts';
import { createUsageRecorder } from '../../../src/proxy/usage.ts';
import { HubError } from '../../../src/errors.ts';
import type { Db } from '../../../src/store/db.ts';
import { createAccessKey, putService, revokeAccessKey, type ServiceDef } from '../../../src/store/services.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { service } from './service.ts';

function depsOf(db: Db): ProxyDeps {
  return { db, baseUrl: 'https://hub.example', dataDir: '/nonexistent', logger: pino({ level: 'silent' }), usage: createUsageRecorder(db, undefined, 60_000) };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const req = (headers: Record<string, string> = {}, query = '') => ({ headers, query: new URLSearchParams(query) });

async function rejection(p: Promise<unknown>): Promise<HubError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

describe('credentials', () => {
  it('reads the header, then the key parameter in any case, then Basic (password = secret)', () => {
    expect(credentialsOf(req({ 'x-moisson-key': 'mk_a' }, 'key=mk_b'))?.secret).toBe('mk_a');
    expect(credentialsOf(req({}, 'SERVICE=WMS&KEY=mk_b'))?.secret).toBe('mk_b');
    expect(credentialsOf(req({ authorization: basic('qgis', 'mk_c:with:colons') }))?.secret).toBe('mk_c:with:colons');
    expect(credentialsOf(req({ authorization: basic('', 'mk_d') }))?.secret).toBe('mk_d');
    expect(credentialsOf(req({ authorization: 'Bearer mk_e' }))).toBeNull();
    expect(credentialsOf(req())).toBeNull();
  });

  it('stripKeyParam removes every case of key and keeps the rest in order', () => {
    const q = new URLSearchParams('SERVICE=WMS&key=mk_a&LAYERS=a,b&KEY=mk_b&Key=c&monkey=1');
    expect(stripKeyParam(q).toString()).toBe('SERVICE=WMS&LAYERS=a%2Cb&monkey=1');
    expect(q.get('key')).toBe('mk_a');
  });
});

describe.each(backends)('admit on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  async function registered(over: Partial<ServiceDef> = {}): Promise<ServiceDef> {
    const def = service('http://127.0.0.1:9/wms', over);
    await putService(store.db, def);
    return def;
  }

  it('admits a public service without credentials and gives its upstream client', async () => {
    const def = await registered();
    const a = await admit(depsOf(store.db), def.id, ['wms', 'wfs'], req());
    expect(a.service.id).toBe(def.id);
    expect(a.key).toBeNull();
    expect(a.upstream.service.url).toBe(def.url);
  });

  it('answers 404 for an unknown, a disabled, an ill-named service and a protocol the path does not serve', async () => {
    const disabled = await registered({ enabled: false });
    const tiles = await registered({ protocol: 'xyz' });
    const deps = depsOf(store.db);
    for (const [id, protocols] of [['nope', ['wms']], [disabled.id, ['wms']], ['../etc', ['wms']], [tiles.id, ['wms', 'wfs', 'wmts']]] as const) {
      const err = await rejection(admit(deps, id, [...protocols], req()));
      expect(err.code).toBe('service_not_found');
      expect(err.status).toBe(404);
      expect(err.message).toContain(id);
    }
    expect((await rejection(admit(deps, tiles.id, ['wms'], req()))).message).toMatch(/is a xyz service; this path serves wms/);
  });

  it('asks for credentials on a restricted service with a Basic challenge', async () => {
    const def = await registered({ access: 'restricted' });
    const err = await rejection(admit(depsOf(store.db), def.id, ['wms'], req()));
    expect(err.status).toBe(401);
    expect(err.headers).toEqual({ 'www-authenticate': `Basic realm="moisson ${def.id}"` });
    expect(err.message).toMatch(/X-Moisson-Key header, the key query parameter, or as the password of HTTP Basic/);
  });

  it('accepts a valid key in the header, the query or Basic', async () => {
    const def = await registered({ access: 'restricted' });
    const { key, secret } = await createAccessKey(store.db, 'qgis users', [def.id]);
    const deps = depsOf(store.db);
    for (const r of [req({ 'x-moisson-key': secret }), req({}, `SERVICE=WMS&key=${secret}`), req({ authorization: basic('anyone', secret) })]) {
      const a = await admit(deps, def.id, ['wms'], r);
      expect(a.key?.id).toBe(key.id);
    }
  });

  it('answers 401 for an unknown or revoked key and 403 for a key of another service', async () => {
    const def = await registered({ access: 'restricted' });
    const other = await registered({ access: 'restricted' });
    const revoked = await createAccessKey(store.db, 'old', null);
    await revokeAccessKey(store.db, revoked.key.id);
    const elsewhere = await createAccessKey(store.db, 'other', [other.id]);
    const deps = depsOf(store.db);
    const unknown = await rejection(admit(deps, def.id, ['wms'], req({ 'x-moisson-key': `mk_${'A'.repeat(43)}` })));
    expect([unknown.status, unknown.message]).toEqual([401, 'The access key in the X-Moisson-Key header is not known to this hub.']);
    expect(unknown.headers?.['www-authenticate']).toBe(`Basic realm="moisson ${def.id}"`);
    const rev = await rejection(admit(deps, def.id, ['wms'], req({ authorization: basic('x', revoked.secret) })));
    expect(rev.status).toBe(401);
    expect(rev.message).toContain(`HTTP Basic credentials (${revoked.key.id}) was revoked`);
    const forbidden = await rejection(admit(deps, def.id, ['wms'], req({}, `key=${elsewhere.secret}`)));
    expect([forbidden.status, forbidden.code]).toEqual([403, 'forbidden']);
    expect(forbidden.message).toBe(`The access key ${elsewhere.key.id} is not valid for service "${def.id}".`);
    expect(forbidden.headers).toBeUndefined();
    // A key for every restricted service (services: null) opens both.
    const all = await createAccessKey(store.db, 'all', null);
    expect((await admit(deps, other.id, ['wms'], req({ 'x-moisson-key': all.secret }))).key?.id).toBe(all.key.id);
  });

  it('attributes usage on a public service to a valid key, and ignores a wrong one', async () => {
    const def = await registered();
    const { key, secret } = await createAccessKey(store.db, 'app', null);
    const deps = depsOf(store.db);
    expect((await admit(deps, def.id, ['wms'], req({ 'x-moisson-key': secret }))).key?.id).toBe(key.id);
    expect((await admit(deps, def.id, ['wms'], req({ 'x-moisson-key': 'mk_wrong' }))).key).toBeNull();
  });

  it('caches services and keys for a few seconds, one store query per burst', async () => {
    const def = await registered({ access: 'restricted' });
    const { secret, key } = await createAccessKey(store.db, 'tiles', null);
    forgetProxyCaches(store.db);
    const spy = vi.spyOn(store.db, 'query');
    try {
      const deps = depsOf(store.db);
      const burst = await Promise.all(Array.from({ length: 200 }, () => admit(deps, def.id, ['wms'], req({ 'x-moisson-key': secret }))));
      expect(burst.every((a) => a.key?.id === key.id)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(2); // one service lookup, one key lookup
      // A revocation shows after the cache delay, or at once when the caches are dropped.
      await revokeAccessKey(store.db, key.id);
      await admit(deps, def.id, ['wms'], req({ 'x-moisson-key': secret }));
      forgetProxyCaches(store.db);
      expect((await rejection(admit(deps, def.id, ['wms'], req({ 'x-moisson-key': secret })))).status).toBe(401);
    } finally {
      spy.mockRestore();
    }
  });

  it('picks up a changed definition after the cache delay', async () => {
    const def = await registered();
    const deps = depsOf(store.db);
    await admit(deps, def.id, ['wms'], req());
    await putService(store.db, { ...def, enabled: false });
    await admit(deps, def.id, ['wms'], req()); // still cached
    // lru-cache reads its clock at import: fake timers would not move it, so this waits for real.
    await new Promise((r) => setTimeout(r, 5100));
    expect((await rejection(admit(deps, def.id, ['wms'], req()))).code).toBe('service_not_found');
  });
});
