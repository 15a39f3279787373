/**
 * bench/tiles (issue 6): cached tiles through the hub next to the same tiles served by MapProxy, in one run.
 *
 *   SECONDS=10 ROUNDS=2 MAPPROXY_WORKERS=2 MAPPROXY_THREADS=8 npm run bench:tiles
 *   CONNECTIONS=100 MANY=0 WARMUP_SECONDS=3 npm run bench:tiles     (one connection count, no 10,000 / missing tile)
 *   MANY_ROUNDS=3 npm run bench:tiles                                  (10,000 connections on the hub 3 times in a row)
 *   CLIENT=browser npm run bench:tiles                                 (a browser's request headers on every request)
 *   FRONT_PROCESSES=1 npm run bench:tiles                              (the hub with front processes, as configured)
 *
 * - MapProxy 1.15 (Debian) under gunicorn (several workers, gthread so connections stay alive as with wrk),
 *   its file cache seeded with `mapproxy-seed` (debug source, levels 0–4: 341 tiles, no network).
 * - The hub (`moisson serve`, a child process: the real server with its tile fast path) proxies that MapProxy
 *   as a WMTS REST service; every tile is requested once through it first, so its cache holds them all (hot
 *   tiles in memory).
 * - The floor: the same tiles from a Map in plain node:http (bench/lib/floor-server.mjs, its own process), the
 *   least any Node.js server can spend on them here; what the hub adds to node:http is the difference.
 * - wrk (Debian; bench/lib/wrk.ts), the same 341 tile URLs in turn, alternating hub, floor and MapProxy, at 100
 *   and 1,000 connections: requests/s, p50, p99, the ratios hub / MapProxy and hub / floor; then 10,000 open connections on
 *   the hub (p95); then 1,000 simultaneous requests for one tile missing from the cache, behind an upstream
 *   that counts its requests.
 *
 * Targets (issue 6): hub ≥ 2× MapProxy's requests/s, p99 ≤ 10 ms at 100 connections, 10,000 connections at
 * p95 ≤ 0.5 s, exactly one upstream request for the missing tile. Figures are printed, not asserted. wrk, the
 * hub and MapProxy share the machine: the load average before the run is printed with the figures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { errorsText, runWrk, wrkVersion, type WrkFigures } from './lib/wrk.ts';
import { freePort, startMapProxy, type MapProxyServer } from '../test/helpers/mapproxy.ts';
import { openStore } from '../src/store/db.ts';
import { putService, type ServiceDef } from '../src/store/services.ts';
// @ts-expect-error: plain JavaScript without declarations
import { launchEnv } from '../scripts/launch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.SECONDS ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const THREADS = Number(process.env.THREADS ?? 2);
const MAX_ZOOM = 4;
/** CONNECTIONS=100 measures the alternating runs at 100 connections only; MANY=0 skips 10,000 connections and the missing tile. */
const CONNECTIONS = (process.env.CONNECTIONS ?? '100,1000').split(',').map(Number);
const MANY = process.env.MANY !== '0';
const MANY_ROUNDS = Number(process.env.MANY_ROUNDS ?? 1);
/** Seconds between those runs (MANY_PAUSE_SECONDS=65: wrk's 10,000 ports out of TIME_WAIT first). */
const MANY_PAUSE_SECONDS = Number(process.env.MANY_PAUSE_SECONDS ?? 0);
/**
 * CLIENT=browser: every request carries the headers a web map in Firefox sends for a tile (user agent, accept,
 * languages, referer, origin, fetch metadata), on every side; by default wrk sends Host alone.
 */
const CLIENT_HEADERS: Record<string, string> | undefined = process.env.CLIENT === 'browser' ? {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  accept: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'accept-language': 'fr,fr-FR;q=0.8,en-US;q=0.5,en;q=0.3', 'accept-encoding': 'gzip, deflate, br, zstd',
  referer: 'https://www.geoportail.gouv.fr/carte', origin: 'https://www.geoportail.gouv.fr',
  'sec-fetch-dest': 'image', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site',
} : undefined;
/** Seconds of unmeasured load on each side before the runs (JIT, heap sizing, MapProxy's threads). */
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 3);

const politeness = { concurrency: 8, timeoutMs: 10_000, maxBytes: 10_000_000 };
const cache = { tiles: true, maxAgeSeconds: 86400, staleIfError: true, seeding: true };

function tilePaths(prefix: string): string[] {
  const out: string[] = [];
  for (let z = 0; z <= MAX_ZOOM; z++) for (let x = 0; x < 2 ** z; x++) for (let y = 0; y < 2 ** z; y++) out.push(`${prefix}/${z}/${x}/${y}.png`);
  return out;
}

/** A local upstream for the missing-tile test: one PNG, after 200 ms (a slow origin), counting requests. */
async function countingUpstream(png: Buffer): Promise<{ url: string; count: () => number; server: Server }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n += 1;
    setTimeout(() => res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png), 200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, count: () => n, server };
}

async function registerServices(dataDir: string, mp: MapProxyServer, missUrl: string): Promise<void> {
  const db = await openStore({ dataDir });
  try {
    const base = { enabled: true, access: 'public' as const, politeness, cache };
    await putService(db, { ...base, id: 'bench', protocol: 'wmts', url: `${mp.url}/wmts/1.0.0/WMTSCapabilities.xml` } as ServiceDef);
    await putService(db, { ...base, id: 'bench-miss', protocol: 'xyz', url: missUrl,
      layers: [{ id: 'plan', template: '{z}/{x}/{y}.png', format: 'image/png', maxZoom: 19 }] } as ServiceDef);
  } finally {
    await db.close();
  }
}

async function startHub(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // HUB_NODE_ARGS: node options for the hub only (--trace-gc, --cpu-prof…), space-separated.
  const nodeArgs = (process.env.HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin', 'moisson.js'), 'serve'], {
    // launchEnv: the environment `moisson` starts the hub in (scripts/launch.mjs), node being started here directly.
    env: { ...launchEnv(process.env), PORT: String(port), HOST: '127.0.0.1', BASE_URL: url, DATA_DIR: dataDir, DATABASE_URL: '',
      LOG_LEVEL: process.env.HUB_LOG_LEVEL || 'warn', SCHEDULER: 'off' },
    // HUB_LOG_LEVEL=info: the hub's log (its bursts of new connections among it) on the bench's output.
    stdio: ['ignore', nodeArgs.length > 0 || process.env.HUB_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the hub did not start within 60 s');
}

/** Requests every path once (fills the hub's cache; checks both sides answer 200 with the same bytes); returns the bytes by hub path. */
async function warm(hub: string, mp: string, hubPaths: string[], mpPaths: string[]): Promise<Map<string, Buffer>> {
  const bytes = new Map<string, Buffer>();
  for (let i = 0; i < hubPaths.length; i += 16) {
    await Promise.all(hubPaths.slice(i, i + 16).map(async (p, j) => {
      const [a, b] = await Promise.all([fetch(hub + p), fetch(mp + mpPaths[i + j])]);
      const [ba, bb] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
      if (a.status !== 200 || b.status !== 200 || !ba.equals(bb)) throw new Error(`warm-up: ${p} differs (hub ${a.status}, MapProxy ${b.status})`);
      bytes.set(p, ba);
    }));
  }
  return bytes;
}

/**
 * The floor (bench/lib/floor-server.mjs): plain node:http answering the same paths with the same bytes from a
 * Map, in a process of its own. On this shared 2-core machine, what node:http itself costs moves with the
 * machine's moment (±40 % between runs); the hub measured next to it says what the hub adds.
 */
async function startFloor(dir: string, tiles: Map<string, Buffer>): Promise<{ url: string; child: ChildProcess }> {
  const file = path.join(dir, 'floor-tiles.json');
  await writeFile(file, JSON.stringify(Object.fromEntries([...tiles].map(([p, b]) => [p, b.toString('base64')]))));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bench', 'lib', 'floor-server.mjs'), String(port), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const fmt = (f: WrkFigures) => `${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(2).padStart(7)} ms   p95 ${f.p95.toFixed(2).padStart(7)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms   errors ${errorsText(f)}`;

const SIDES = { hub: 'hub', floor: 'node:http', mp: 'MapProxy' } as const;
type Side = keyof typeof SIDES;

async function alternate(urls: Record<Side, string>, paths: Record<Side, string[]>): Promise<void> {
  for (const connections of CONNECTIONS) {
    const runs: Record<Side, WrkFigures[]> = { hub: [], floor: [], mp: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of Object.keys(SIDES) as Side[]) {
        const f = await runWrk({ url: urls[side], luaPaths: paths[side], connections, threads: THREADS, seconds: SECONDS, headers: CLIENT_HEADERS });
        runs[side].push(f);
        console.log(`  c=${String(connections).padStart(5)} ${SIDES[side].padEnd(9)} ${fmt(f)}`);
      }
    }
    const mean = (fs: WrkFigures[]) => fs.reduce((s, f) => s + f.rps, 0) / fs.length;
    const worst = (fs: WrkFigures[]) => Math.max(...fs.map((f) => f.p99));
    console.log(`  c=${String(connections).padStart(5)} ratio hub/MapProxy ${(mean(runs.hub) / mean(runs.mp)).toFixed(2)}× `
      + `(hub ${mean(runs.hub).toFixed(0)} req/s, MapProxy ${mean(runs.mp).toFixed(0)} req/s; target ≥ 2×); `
      + `hub/node:http ${(mean(runs.hub) / mean(runs.floor)).toFixed(2)}× (node:http ${mean(runs.floor).toFixed(0)} req/s)`
      + (connections === 100 ? `; worst p99 hub ${worst(runs.hub).toFixed(2)} ms (target ≤ 10 ms), node:http ${worst(runs.floor).toFixed(2)} ms` : ''));
  }
}

/** One GET on its own connection (node:http, an agent with 1,000 sockets): status and body size. */
function getOnce(url: string, agent: http.Agent): Promise<{ status: number; size: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, size }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function thunderingHerd(hub: string, upstreamCount: () => number): Promise<void> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: 1000 });
  const before = upstreamCount();
  const started = performance.now();
  const url = `${hub}/tiles/bench-miss/plan/GoogleMapsCompatible/12/2074/1409.png`;
  const answers = await Promise.all(Array.from({ length: 1000 }, () => getOnce(url, agent)));
  const ms = performance.now() - started;
  agent.destroy();
  const ok = answers.filter((a) => a.status === 200 && a.size > 0).length;
  console.log(`  1,000 simultaneous requests for one missing tile: ${upstreamCount() - before} upstream request(s) (target 1), `
    + `${ok}/1000 answered 200 with the tile, all within ${ms.toFixed(0)} ms (upstream takes 200 ms)`);
}

/** A process's peak RSS (VmHWM), in kB; NaN when it cannot be read. */
function peakKb(pid: number): number {
  try {
    const status = execFileSync('cat', [`/proc/${pid}/status`]).toString();
    return Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** The hub's peak RSS, and its front processes' (FRONT_PROCESSES, its children) each apart. */
function rssOf(pid: number): string {
  const fronts = execFileSync('bash', ['-c', `pgrep -P ${pid} || true`]).toString().split('\n').filter(Boolean).map(Number);
  const own = `${peakKb(pid)} kB`;
  return fronts.length === 0 ? own : `${own}, front processes ${fronts.map((f) => `${peakKb(f)} kB`).join(', ')}`;
}

/** Connections to a local port by state, from `ss`: accepted by the server, waiting in its accept queue, half-open. */
interface Held { accepted: number; queued: number; halfOpen: number }

function heldOn(port: string): Held | undefined {
  let lines: string[];
  try {
    // One `ss` a second (State, Recv-Q, …): the listening socket's Recv-Q is its accept queue, established
    // connections the server has not accepted yet.
    lines = execFileSync('ss', ['-Htan', `( sport = :${port} )`], { maxBuffer: 64 * 1024 * 1024 }).toString().split('\n');
  } catch {
    return undefined; // no ss (iproute2): nothing to say
  }
  let established = 0;
  let queued = 0;
  let halfOpen = 0;
  for (const line of lines) {
    const [state, recvQ] = line.split(/\s+/, 2);
    if (state === 'ESTAB') established += 1;
    else if (state === 'SYN-RECV') halfOpen += 1;
    else if (state === 'LISTEN') queued += Number(recvQ);
  }
  return { accepted: established - queued, queued, halfOpen };
}

/**
 * wrk counts only the requests that were answered: a connection the server never accepted, waiting in the kernel's
 * accept queue, adds no latency sample (nor a timeout). What the server really held is sampled every second here.
 */
async function withHeld<T>(url: string, run: () => Promise<T>): Promise<{ result: T; held: string }> {
  const port = new URL(url).port;
  let peak: Held | undefined;
  let last: Held | undefined;
  const timer = setInterval(() => {
    last = heldOn(port) ?? last;
    if (last && (!peak || last.accepted > peak.accepted)) peak = last;
  }, 1000);
  try {
    const result = await run();
    const held = peak && last
      ? `held: at most ${peak.accepted} connections accepted; at the end ${last.accepted} accepted, ${last.queued} in the accept queue, ${last.halfOpen} half-open`
      : 'held: unknown (no ss)';
    return { result, held };
  } finally {
    clearInterval(timer);
  }
}

/** How many bursts of new connections the hub's copies of its listening socket accepted (ACCEPT_COPIES), from its /metrics. */
async function acceptBursts(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const bursts = Number(/^moisson_accept_bursts_total (\d+)$/m.exec(text)?.[1] ?? 0);
  return `copies of the socket (ACCEPT_COPIES=${process.env.ACCEPT_COPIES ?? 'default'}) listened in ${bursts} burst(s) so far`;
}

async function main(): Promise<void> {
  console.log(`bench/tiles — ${new Date().toISOString()} — ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  ${await wrkVersion()}, ${THREADS} threads, ${SECONDS} s a run, ${ROUNDS} rounds; node ${process.version}; open files limit: ${execFileSync('bash', ['-c', 'ulimit -n']).toString().trim()}`
    + `; request headers: ${CLIENT_HEADERS ? `a browser's (${Object.keys(CLIENT_HEADERS).length} + Host)` : 'Host only'}`);
  const workers = Number(process.env.MAPPROXY_WORKERS ?? 2);
  const threads = Number(process.env.MAPPROXY_THREADS ?? 8);
  const mp = await startMapProxy({ layers: ['base'], workers, threads, seed: { from: 0, to: MAX_ZOOM } });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'moisson-bench-tiles-'));
  const png = Buffer.from(await (await fetch(`${mp.url}/wmts/base/webmercator/3/4/2.png`)).arrayBuffer());
  const upstream = await countingUpstream(png);
  let hub: { url: string; child: ChildProcess } | undefined;
  let floor: { url: string; child: ChildProcess } | undefined;
  try {
    await registerServices(dataDir, mp, upstream.url);
    hub = await startHub(dataDir);
    console.log(`  MapProxy 1.15 under gunicorn: ${workers} workers × ${threads} threads (${mp.url}); hub: ${hub.url} (pid ${hub.child.pid}, FRONT_PROCESSES=${process.env.FRONT_PROCESSES || 0})`);
    const hubPaths = tilePaths('/tiles/bench/base/webmercator');
    const mpPaths = tilePaths('/wmts/base/webmercator');
    const bytes = await warm(hub.url, mp.url, hubPaths, mpPaths);
    floor = await startFloor(dataDir, bytes);
    console.log(`  ${hubPaths.length} tile URLs, same bytes on every side; every tile cached by the hub before the runs; `
      + `node:http floor (bench/lib/floor-server.mjs): ${floor.url}`);
    if (WARMUP_SECONDS > 0) {
      // What a server that has been up for a while is: optimised code, its heap sized for the load.
      for (const [url, paths] of [[hub.url, hubPaths], [floor.url, hubPaths], [mp.url, mpPaths]] as const) {
        await runWrk({ url, luaPaths: paths, connections: CONNECTIONS[0], threads: THREADS, seconds: WARMUP_SECONDS, headers: CLIENT_HEADERS });
      }
      console.log(`  ${WARMUP_SECONDS} s of load on each side first, not measured (WARMUP_SECONDS).`);
    }
    await alternate({ hub: hub.url, floor: floor.url, mp: mp.url }, { hub: hubPaths, floor: hubPaths, mp: mpPaths });
    if (MANY) {
      // The floor under the same load next: what node:http itself does with 10,000 connections on this machine.
      const manyLoad = { luaPaths: hubPaths, connections: 10_000, threads: THREADS, seconds: Math.max(SECONDS, 15), timeoutSeconds: 10 };
      const [hubUrl, floorUrl] = [hub.url, floor.url];
      // MANY_ROUNDS=N: N runs in a row on the hub; from the second run on, the copies listen from its start (only
      // connections coming one by one close them). /metrics is read after the last.
      for (let round = 1; round <= MANY_ROUNDS; round++) {
        if (round > 1 && MANY_PAUSE_SECONDS > 0) await new Promise((r) => setTimeout(r, MANY_PAUSE_SECONDS * 1000));
        const many = await withHeld(hubUrl, () => runWrk({ url: hubUrl, ...manyLoad }));
        console.log(`  c=10000 hub      ${fmt(many.result)}   (target p95 ≤ 500 ms)`);
        console.log(`                   ${many.held}${round === MANY_ROUNDS ? `; ${await acceptBursts(hubUrl)}` : ''}`);
      }
      const floorMany = await withHeld(floorUrl, () => runWrk({ url: floorUrl, ...manyLoad }));
      console.log(`  c=10000 node:http${fmt(floorMany.result)}`);
      console.log(`                   ${floorMany.held}`);
      await thunderingHerd(hub.url, upstream.count);
    }
    console.log(`  hub peak RSS ${rssOf(hub.child.pid!)}`);
  } finally {
    floor?.child.kill('SIGTERM');
    hub?.child.kill('SIGTERM');
    if (hub && hub.child.exitCode === null) await new Promise((r) => hub!.child.once('exit', r));
    upstream.server.close();
    await mp.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
