/**
 * A real upstream for the proxy tests and benchmarks: Debian's MapProxy 1.15 (package `mapproxy`), served by
 * Debian's gunicorn (package `gunicorn`: a pre-fork WSGI server, since `mapproxy-util serve-develop` is
 * single-threaded and runs a reloader child that outlives its parent), on a free local port, with a
 * configuration generated in a temporary folder. No network: every layer's source is MapProxy's `debug`
 * source, which renders a labelled tile locally, behind a file cache (`<dir>/cache/<layer>_cache_EPSG3857/…`,
 * TMS layout) that `seed` fills with `mapproxy-seed` or a test may fill itself.
 *
 * Services: WMS 1.3.0 (`/service?`), WMTS 1.0.0 KVP (`/service?SERVICE=WMTS…`) and REST
 * (`/wmts/1.0.0/WMTSCapabilities.xml`, `/wmts/{layer}/webmercator/{z}/{x}/{y}.png`), TMS 1.0.0
 * (`/tms/1.0.0/{layer}/webmercator/{z}/{x}/{y}.png`, rows counted from the south). One grid, `webmercator`
 * (GLOBAL_WEBMERCATOR: EPSG:3857, 256 px tiles, origin north-west, levels 0–19; WMTS TileMatrix ids "00"…"19").
 *
 * Beware: MapProxy's `/tms/` follows the OSGeo TMS "global-mercator" profile, whose level 0 is 2×2 tiles, so
 * its z is the usual zoom minus one. Its `/tiles/1.0.0/{layer}/webmercator/{z}/{x}/{y}.png?origin=sw` is the
 * same TMS layout (rows from the south) with the usual zoom levels, as GeoServer's or OSM-style TMS servers.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface MapProxyServer {
  /** http://127.0.0.1:port */
  url: string;
  /** The temporary folder holding mapproxy.yaml, the cache and the logs (removed by close()). */
  dir: string;
  close(): Promise<void>;
}

export interface MapProxyOptions {
  /** Layer names (default ['base']); each gets a cache `<name>_cache` on the `webmercator` grid. */
  layers?: string[];
  /** gunicorn worker processes (default 1); the benchmark uses several. */
  workers?: number;
  /** Threads per worker (gunicorn's gthread worker, which keeps connections alive); default 4. */
  threads?: number;
  /** Fill the caches with `mapproxy-seed` for these levels (inclusive) before serving. */
  seed?: { from: number; to: number };
}

const run = promisify(execFile);
const LAYER_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/** The MapProxy configuration (YAML is a superset of JSON, so JSON.stringify writes it safely). */
function mapproxyConfig(dir: string, layers: string[]): Record<string, unknown> {
  return {
    services: {
      demo: {},
      wms: { versions: ['1.3.0'], srs: ['EPSG:3857', 'EPSG:4326'], md: { title: 'MapProxy test upstream' } },
      wmts: { restful: true, kvp: true, md: { title: 'MapProxy test upstream' } },
      tms: { use_grid_names: true, origin: 'sw' },
    },
    layers: layers.map((name) => ({ name, title: `Layer ${name}`, sources: [`${name}_cache`] })),
    caches: Object.fromEntries(layers.map((name) => [`${name}_cache`, {
      grids: ['webmercator'], sources: ['debug_src'], cache: { type: 'file', directory_layout: 'tms' },
    }])),
    grids: { webmercator: { base: 'GLOBAL_WEBMERCATOR' } },
    sources: { debug_src: { type: 'debug' } },
    globals: { cache: { base_dir: path.join(dir, 'cache'), lock_dir: path.join(dir, 'locks') } },
  };
}

/** A free TCP port on the loopback (asked from the kernel, then released for gunicorn to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`MapProxy (gunicorn) exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`${url}/tms/1.0.0/`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`MapProxy did not answer within 20 s; see ${logFile}`);
}

async function seedCaches(dir: string, layers: string[], levels: { from: number; to: number }): Promise<void> {
  const seedConf = {
    seeds: { all: { caches: layers.map((l) => `${l}_cache`), grids: ['webmercator'], levels: levels } },
  };
  await writeFile(path.join(dir, 'seed.yaml'), JSON.stringify(seedConf, null, 2));
  await run('/usr/bin/mapproxy-seed', ['-q', '-q', '-f', path.join(dir, 'mapproxy.yaml'), '-s', path.join(dir, 'seed.yaml'),
    '-c', '2'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
}

/** Starts MapProxy under gunicorn; resolves when it answers. */
export async function startMapProxy(opts: MapProxyOptions = {}): Promise<MapProxyServer> {
  const layers = opts.layers ?? ['base'];
  for (const l of layers) if (!LAYER_NAME.test(l)) throw new Error(`startMapProxy: invalid layer name "${l}"`);
  const dir = await mkdtemp(path.join(tmpdir(), 'moisson-mapproxy-'));
  await mkdir(path.join(dir, 'cache'));
  await writeFile(path.join(dir, 'mapproxy.yaml'), JSON.stringify(mapproxyConfig(dir, layers), null, 2));
  await writeFile(path.join(dir, 'app.py'),
    `from mapproxy.wsgiapp import make_wsgi_app\napplication = make_wsgi_app(${JSON.stringify(path.join(dir, 'mapproxy.yaml'))})\n`);
  if (opts.seed) await seedCaches(dir, layers, opts.seed);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'gunicorn.log');
  const workers = opts.workers ?? 1;
  const child = spawn('/usr/bin/python3', ['-m', 'gunicorn', '--bind', `127.0.0.1:${port}`, '--workers', String(workers),
    '--threads', String(opts.threads ?? 4), '--chdir', dir, '--error-logfile', logFile, '--backlog', '4096', 'app:application'],
  { stdio: 'ignore', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(url, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return { url, dir, close };
}
