/**
 * A hub serving /download over a real store and a real local upstream, for the download tests; plus a
 * generated large file (deterministic bytes, any range computable) served with or without Range support.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createApp } from '../../../src/http/app.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import type { Db } from '../../../src/store/db.ts';
import type { ServiceDef } from '../../../src/store/services.ts';
import type { UsageEvent, UsageRecorder } from '../../../src/proxy/usage.ts';

export const atomDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/atom');

/** A fixture feed with its example host (http://xyz.org) replaced by the local upstream's origin. */
export function feedFor(name: string, origin: string): Buffer {
  return Buffer.from(readFileSync(path.join(atomDir, name), 'utf8').replaceAll('http://xyz.org', origin));
}

export interface Hub {
  url: string;
  dataDir: string;
  usage: UsageEvent[];
  close(): Promise<void>;
}

/** Starts a hub on a free port whose BASE_URL is its own address (so that rewritten links can be followed). */
export async function startHub(db: Db): Promise<Hub> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-download-'));
  const usage: UsageEvent[] = [];
  const recorder: UsageRecorder = { count: (e) => { usage.push(e); }, flush: async () => undefined, close: async () => undefined };
  const app = createApp({ db, config: { baseUrl: url }, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }),
    dataDir, usage: recorder });
  server.on('request', app.callback());
  return {
    url, dataDir, usage,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let n = 0;

/** An atom-download service definition with the defaults the schema fills, short limits. */
export function downloadService(url: string, over: Partial<ServiceDef> = {}): ServiceDef {
  n += 1;
  return {
    id: `dl-${n}`, protocol: 'atom-download', url, enabled: true, access: 'public',
    politeness: { concurrency: 4, timeoutMs: 3000, maxBytes: 500 * 1024 * 1024 },
    cache: { tiles: false, maxAgeSeconds: 86400, staleIfError: false, seeding: false },
    ...over,
  };
}

const BLOCK = randomBytes(1 << 20);

/** Bytes [start, end] of the generated file: a random MiB repeated, each copy xor'ed with its index. */
export function bytesOf(start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start + 1);
  for (let i = start; i <= end; i++) out[i - start] = BLOCK[i & 0xfffff] ^ ((i >>> 20) & 0xff);
  return out;
}

/** Streams bytes [start, end] of the generated file in 64 KiB chunks, honouring backpressure. */
export async function writeBytes(res: ServerResponse, start: number, end: number): Promise<void> {
  for (let at = start; at <= end; at += 65536) {
    if (res.destroyed) return;
    const chunk = sliceOf(at, Math.min(end, at + 65535));
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

/** Fast path of bytesOf for chunks inside one MiB copy. */
function sliceOf(start: number, end: number): Buffer {
  if ((start >>> 20) !== (end >>> 20)) return bytesOf(start, end);
  const x = (start >>> 20) & 0xff;
  const out = Buffer.from(BLOCK.subarray(start & 0xfffff, (end & 0xfffff) + 1));
  if (x) for (let i = 0; i < out.length; i++) out[i] ^= x;
  return out;
}
