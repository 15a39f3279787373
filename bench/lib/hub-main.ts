/**
 * Child-process entry of bench/csw: opens a store, fills its catalogue with N synthetic published records
 * (catalogue-fill.ts) unless it holds them already, and serves the hub's HTTP app on a free port, so that the
 * load generator (the parent) and the hub do not share a thread.
 *
 *   node --import tsx bench/lib/hub-main.ts <N> <fixtures dir>      (DATABASE_URL or DATA_DIR from the env)
 *
 * Sends { progress } while filling, then { url } once listening; answers { op: 'stats' } with { maxRss, cpu };
 * exits when the IPC channel closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { createApp } from '../../src/http/app.ts';
import { cswResponse } from '../../src/publish/csw/server.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { loadConfig } from '../../src/config.ts';
import { applyMemorySettings } from '../../src/heap.ts';
import { openStore } from '../../src/store/db.ts';
import { fillCatalogue } from './catalogue-fill.ts';
import { templateRecords } from './search-docs.ts';

// As `moisson` does before any command (src/cli.ts): V8's pretenuring off, HEAP_GROWING_PERCENT applied.
applyMemorySettings(loadConfig().heapGrowingPercent);

const [n, fixtures] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const db = await openStore(process.env.DATABASE_URL
  ? { databaseUrl: process.env.DATABASE_URL, schema: process.env.BENCH_SCHEMA,
    readConcurrency: process.env.DATABASE_READ_CONCURRENCY ? Number(process.env.DATABASE_READ_CONCURRENCY) : undefined }
  : { dataDir: process.env.DATA_DIR ?? 'memory://' });
const fillStart = performance.now();
const wrote = await fillCatalogue(db, templateRecords(root, fixtures), Number(n), (done) => process.send?.({ progress: done }));
const fillSeconds = (performance.now() - fillStart) / 1000;

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const app = createApp({ db, config: { baseUrl: url }, logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }) });
// A second floor: the first GetRecords page's bytes, served as they are by plain node:http (no koa, no store),
// so that the cost of moving ~130 KB answers to 32 clients on this machine shows apart from the hub's own.
// Gzipped once, sent as such to clients that accept it, as the hub sends its kept GetRecords answers.
const first = await cswResponse({ db, baseUrl: url }, { method: 'GET', query: {
  service: 'CSW', version: '2.0.2', request: 'GetRecords', typeNames: 'gmd:MD_Metadata',
  outputSchema: 'http://www.isotc211.org/2005/gmd', elementSetName: 'full', resultType: 'results', maxRecords: '10' } });
const staticBody = Buffer.from(String(first.body));
const staticGzip = gzipSync(staticBody, { level: 6 });
const handler = app.callback();
server.on('request', (req, res) => {
  if (req.url === '/bench/static') {
    const gzip = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
    const body = gzip ? staticGzip : staticBody;
    res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': body.length,
      vary: 'Accept-Encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(body);
    return;
  }
  void handler(req, res);
});
server.keepAliveTimeout = 60_000;

process.on('message', (m: { op: string }) => {
  if (m.op === 'stats') {
    const u = process.resourceUsage();
    process.send?.({ maxRss: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 });
  }
});
process.on('disconnect', () => {
  server.close();
  void db.close().then(() => process.exit(0));
});
process.send?.({ url, fillSeconds, wrote });
