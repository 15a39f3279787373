/**
 * A hub on a real local port for the /ows tests: the koa app over a test store, BASE_URL set to its own address
 * (so that clients follow the rewritten URLs back to it), usage counts kept in memory for the assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../../src/http/app.ts';
import { forgetProxyCaches, type UsageRecorder } from '../../../src/proxy/gate.ts';
import type { UsageEvent } from '../../../src/proxy/usage.ts';
import type { Db } from '../../../src/store/db.ts';
import { putService, type ServiceDef } from '../../../src/store/services.ts';

export interface TestHub {
  url: string;
  counts: UsageEvent[];
  register(def: Partial<ServiceDef> & Pick<ServiceDef, 'id' | 'url' | 'protocol'>): Promise<ServiceDef>;
  close(): Promise<void>;
}

export async function startHub(db: Db): Promise<TestHub> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const counts: UsageEvent[] = [];
  const usage: UsageRecorder = { count: (e) => { counts.push(e); }, flush: async () => {}, close: async () => {} };
  const app = createApp({ db, config: { baseUrl: url }, logger: pino({ level: 'silent' }), usage });
  server.on('request', app.callback());
  return {
    url,
    counts,
    async register(over) {
      const def: ServiceDef = {
        enabled: true,
        access: 'public',
        politeness: { concurrency: 4, timeoutMs: 5000, maxBytes: 10_000_000 },
        cache: { tiles: false, maxAgeSeconds: 86400, staleIfError: true, seeding: false },
        ...over,
      };
      await putService(db, def);
      forgetProxyCaches(db);
      return def;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
