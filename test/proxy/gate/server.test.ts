/**
 * The usage recorder's life in the real server (src/server.ts): created at start, shown at /metrics, and
 * flushed at shutdown, so that the counts of the last seconds before a restart are not lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startHub } from '../../../src/server.ts';
import { openStore } from '../../../src/store/db.ts';
import { putService, usageOf } from '../../../src/store/services.ts';
import { defaultSeedsDir, type HubConfig } from '../../../src/config.ts';
import { reply, startTestServer } from '../../helpers/http-server.ts';
import { service } from './service.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-gate-server-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('usage in the running hub', () => {
  it('counts proxied requests at /metrics and writes them to the store at shutdown', async () => {
    const up = await startTestServer([{ path: '/files/a.bin', handler: reply(200, 'x'.repeat(1234), { 'content-type': 'application/octet-stream' }) }]);
    const config: HubConfig = { port: 0, host: '127.0.0.1', baseUrl: 'https://hub.example', dataDir, logLevel: 'silent', seedsDir: defaultSeedsDir };
    const hub = await startHub(config, pino({ level: 'silent' }), { scheduler: false });
    const def = service(`${up.url}/files/feed.xml`, { protocol: 'atom-download' });
    try {
      await putService(hub.db, def);
      const res = await fetch(`${hub.url}/download/${def.id}/-/files/a.bin`);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(1234);
      // The download route counts once the response is over.
      await new Promise((r) => setTimeout(r, 100));
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toContain(`moisson_proxy_requests_total{service="${def.id}",layer="",status="200"} 1`);
      expect(metrics).toContain(`moisson_proxy_bytes_total{service="${def.id}",layer=""} 1234`);
    } finally {
      await hub.close();
      await up.close();
    }
    // Well before the 10 s tick: only the flush at close can have written it.
    const db = await openStore({ dataDir });
    try {
      expect(await usageOf(db, { service: def.id })).toEqual([
        { day: new Date().toISOString().slice(0, 10), service: def.id, layer: '', key: '', status: 200, requests: 1, bytes: 1234 },
      ]);
    } finally {
      await db.close();
    }
  });
});
