/**
 * Usage statistics (issue 6 §5): counted per day, service, layer, key and status, in memory, added to the
 * store in batches, and exposed as Prometheus counters.
 */
import { describe, expect, it } from 'vitest';
import { createUsageRecorder } from '../../../src/proxy/usage.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import type { Db } from '../../../src/store/db.ts';
import { usageOf } from '../../../src/store/services.ts';
import { backends, useStore } from '../../helpers/db.ts';

const today = () => new Date().toISOString().slice(0, 10);

/** The store, with its next `failures` queries failing (a store that hiccups). */
function flaky(db: Db, failures: number): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: Parameters<Db['query']>) => {
          if (failures-- > 0) return Promise.reject(new Error('connection lost'));
          return target.query(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

describe.each(backends)('usage recorder on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('aggregates requests and bytes per service, layer, key and status, and writes only on flush', async () => {
    const usage = createUsageRecorder(store.db, undefined, 60_000);
    for (let i = 0; i < 3; i++) usage.count({ service: 'osm', layer: 'standard', status: 200, bytes: 1000 });
    usage.count({ service: 'osm', layer: 'standard', status: 304 });
    usage.count({ service: 'wms-a', key: 'k_12345678', status: 401 });
    usage.count({ service: 'wms-a', layer: 'roads', key: 'k_12345678', status: 200, bytes: 20 });
    expect(await usageOf(store.db)).toEqual([]);
    await usage.flush();
    const d = today();
    expect(await usageOf(store.db)).toEqual([
      { day: d, service: 'osm', layer: 'standard', key: '', status: 200, requests: 3, bytes: 3000 },
      { day: d, service: 'osm', layer: 'standard', key: '', status: 304, requests: 1, bytes: 0 },
      { day: d, service: 'wms-a', layer: '', key: 'k_12345678', status: 401, requests: 1, bytes: 0 },
      { day: d, service: 'wms-a', layer: 'roads', key: 'k_12345678', status: 200, requests: 1, bytes: 20 },
    ]);
    // A second flush adds to the stored counters.
    usage.count({ service: 'osm', layer: 'standard', status: 200, bytes: 5 });
    await usage.close();
    expect((await usageOf(store.db, { service: 'osm' }))[0]).toMatchObject({ requests: 4, bytes: 3005 });
  });

  it('flushes on its own every few milliseconds when told so, and at close', async () => {
    const usage = createUsageRecorder(store.db, undefined, 50);
    usage.count({ service: 'tick', status: 200, bytes: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await usageOf(store.db, { service: 'tick' })).toHaveLength(1);
    usage.count({ service: 'tick', status: 200, bytes: 1 });
    await usage.close();
    expect((await usageOf(store.db, { service: 'tick' }))[0].requests).toBe(2);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const usage = createUsageRecorder(flaky(store.db, 1), undefined, 60_000);
    usage.count({ service: 'retry', status: 200, bytes: 7 });
    await expect(usage.flush()).rejects.toThrow('connection lost');
    usage.count({ service: 'retry', status: 200, bytes: 3 });
    await usage.close();
    expect(await usageOf(store.db, { service: 'retry' })).toEqual([
      { day: today(), service: 'retry', layer: '', key: '', status: 200, requests: 2, bytes: 10 },
    ]);
  });

  it('never stores a secret as a key id', async () => {
    const usage = createUsageRecorder(store.db, undefined, 60_000);
    usage.count({ service: 's', key: `mk_${'a'.repeat(43)}`, status: 200 });
    await usage.close();
    expect((await usageOf(store.db))[0].key).toBe('');
  });
});

describe('usage metrics', () => {
  it('counts requests and bytes in Prometheus counters with bounded labels', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const db = { query: async () => ({ rows: [], rowCount: 0 }) } as unknown as Db;
    const usage = createUsageRecorder(db, metrics, 60_000);
    usage.count({ service: 'osm', layer: 'standard', status: 200, bytes: 1500 });
    usage.count({ service: 'osm', layer: 'standard', status: 200, bytes: 500 });
    usage.count({ service: 'osm', status: 404 });
    // A client inventing layer names cannot grow the label set without bound.
    for (let i = 0; i < 600; i++) usage.count({ service: 'wms', layer: `made-up-${i}`, status: 400 });
    await usage.close();
    const text = await metrics.registry.metrics();
    expect(text).toContain('moisson_proxy_requests_total{service="osm",layer="standard",status="200"} 2');
    expect(text).toContain('moisson_proxy_requests_total{service="osm",layer="",status="404"} 1');
    expect(text).toContain('moisson_proxy_bytes_total{service="osm",layer="standard"} 2000');
    expect(text).toContain('moisson_proxy_requests_total{service="wms",layer="(other)",status="400"} 100');
    expect(text.match(/moisson_proxy_requests_total\{service="wms"/g)).toHaveLength(501);
    // Nor a route counting refused requests under made-up service ids.
    for (let i = 0; i < 1200; i++) usage.count({ service: `no-such-${i}`, status: 404 });
    const after = await metrics.registry.metrics();
    expect(after).toContain('moisson_proxy_requests_total{service="(other)",layer="",status="404"} 202');
  });
});
