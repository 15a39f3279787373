/**
 * A front process (FRONT_PROCESSES; the hub's side is src/http/fronts.ts). It accepts connections on the hub's
 * own listening socket, handed over by the hub process, so the kernel shares the hub's connections between
 * the processes; it answers the public tiles it holds in memory, and relays every other request, unchanged, to
 * the hub process over a private Unix socket. One Node.js process answers cached tiles on one core: a front
 * adds another without loading the store, the proxy or koa (this file loads node:http, lru-cache and the
 * small modules below, nothing else).
 *
 * What a front holds, and for how long, is decided by the hub's own answers: a tile is held when the hub
 * answered it with 200 to a request without query string or credentials, `Cache-Control: public, max-age=N`,
 * an ETag and a Last-Modified, and without Warning (stale), Vary, Set-Cookie or Content-Encoding. It is
 * answered for at most `freshMs` (the hub's admission cache, 5 s; each tile between half of it and all of it, at
 * random, so that tiles held together are not all asked again together) and never past its max-age: after that the
 * next request for it is relayed, and the hub's answer refreshes it (200, or 304 with the same ETag), replaces
 * or drops it. So a service made restricted, disabled or removed by an admin stops being served by the fronts
 * within the same delay as by the hub process itself (at once for a change made through this hub: `forget`).
 * Its responses are the hub's, plus `Age` (RFC 9111 §5.1), the seconds since the hub gave them.
 *
 * What a front answers itself is counted here and sent to the hub every `statsEveryMs` (and before it exits):
 * the same request, duration and proxy usage series the hub counts for the tiles it answers.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { pipeline } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { catalogue } from '../../errors.ts';
import { applyMemorySettings } from '../../heap.ts';
import { bucketOf, LabelTree, statusLabel } from '../label-tree.ts';
import { listenSafely } from '../listen.ts';
import { hasCredentials, hotHeaders, notModifiedSince, TILE_URL } from '../../proxy/services/tile-url.ts';
import type { FrontInit, FrontStats, FromFront, ToFront } from './protocol.ts';

/** Headers that belong to one connection (RFC 9110 §7.6.1), never passed on; `expect` was answered here. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

/** The names a Connection header lists (hop-by-hop too), lower case. */
function connectionTokens(raw: string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      for (const t of raw[i + 1].split(',')) named.add(t.trim().toLowerCase());
    }
  }
  return named;
}

/**
 * The headers of a request as the hub process should see them: hop-by-hop ones dropped, the client's address
 * appended to X-Forwarded-For (the hub trusts it, as behind any reverse proxy: koa's `app.proxy`).
 */
export function relayedRequestHeaders(raw: string[], remoteAddress: string | undefined): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  let forwarded: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name === 'x-forwarded-for') forwarded = forwarded ? `${forwarded}, ${raw[i + 1]}` : raw[i + 1];
    else out.push(raw[i], raw[i + 1]);
  }
  const chain = [forwarded, remoteAddress].filter(Boolean).join(', ');
  if (chain) out.push('X-Forwarded-For', chain);
  return out;
}

/** The headers of the hub's response as the client gets them: hop-by-hop ones dropped (node sets its own). */
export function relayedResponseHeaders(raw: string[]): string[] {
  const named = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** A tile held by a front: the hub's 200 response to a public, credential-less request. */
interface Entry {
  body: Buffer;
  /** The hub's response headers, lower case, without Date and hop-by-hop ones. */
  headers: Record<string, string>;
  etag: string;
  lastModified: string;
  /** When the hub gave it (or confirmed it with a 304), ms since the epoch. */
  storedAt: number;
  /** For how long after storedAt it is answered here. */
  freshMs: number;
  service: string;
  layer: string;
  /** The response headers for the current Age, made once a second. */
  memo?: { age: number; ok: OutgoingHttpHeaders; notModified: OutgoingHttpHeaders };
}

/** How long the hub's response may be held (ms, at most `freshMs`); 0 when it may not. */
export function holdFor(headers: IncomingHttpHeaders, freshMs: number): number {
  const cc = headers['cache-control'];
  if (!cc || !headers.etag || !headers['last-modified'] || headers.warning || headers.vary || headers['set-cookie'] || headers['content-encoding']) return 0;
  const directives = cc.toLowerCase().split(',').map((d) => d.trim());
  if (!directives.includes('public') || directives.some((d) => d === 'no-store' || d === 'no-cache' || d === 'private')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length)) : Number.NaN;
  return Number.isInteger(seconds) && seconds > 0 ? Math.min(freshMs, seconds * 1000) : 0;
}

/**
 * A lifetime cut by up to a half, at random: tiles fetched together (a map's first view, a benchmark's warm-up)
 * would otherwise all be asked of the hub again in the same instant, hundreds of relayed requests at once, each
 * delaying the client that waits for it. Spread, they are a few per second.
 */
function spread(ms: number): number {
  return ms === 0 ? 0 : Math.ceil(ms * (0.5 + Math.random() / 2));
}

/** The stored headers of a response: lower-case names, without Date (node sends its own) and hop-by-hop ones. */
function storedHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const kept = relayedResponseHeaders(raw);
  for (let i = 0; i < kept.length; i += 2) {
    const name = kept[i].toLowerCase();
    if (name !== 'date') out[name] = kept[i + 1];
  }
  return out;
}

const NOT_MODIFIED_HEADERS = ['cache-control', 'etag', 'last-modified', 'access-control-allow-origin', 'expires'];

function headersAt(e: Entry, age: number): NonNullable<Entry['memo']> {
  if (e.memo?.age === age) return e.memo;
  const notModified: OutgoingHttpHeaders = { age: String(age) };
  for (const name of NOT_MODIFIED_HEADERS) if (e.headers[name] !== undefined) notModified[name] = e.headers[name];
  e.memo = { age, ok: { ...e.headers, age: String(age) }, notModified };
  return e.memo;
}

/** What a front counts of the requests it answers itself, until its next report. */
class Tally {
  private http = new LabelTree<{ method: string; status: number; n: number }>();
  private durations = new LabelTree<{ method: string; buckets: number[]; sum: number }>();
  private usage = new LabelTree<{ service: string; layer: string; status: number; n: number; bytes: number }>();
  private empty = true;

  constructor(private readonly bounds: readonly number[]) {}

  // Cells made from their label values by functions made once: count() runs on every tile a front answers.
  private static readonly makeHttp = (v: readonly string[]) => ({ method: v[0], status: Number(v[1]), n: 0 });
  private readonly makeDuration = (v: readonly string[]) => ({ method: v[0], buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0 });
  private static readonly makeUsage = (v: readonly string[]) => ({ service: v[0], layer: v[1], status: Number(v[2]), n: 0, bytes: 0 });

  count(method: string, status: number, seconds: number, e: Entry, bytes: number): void {
    this.empty = false;
    const code = statusLabel(status);
    this.http.cell([method, code], Tally.makeHttp).n += 1;
    const d = this.durations.cell([method], this.makeDuration);
    d.buckets[bucketOf(this.bounds, seconds)] += 1;
    d.sum += seconds;
    const u = this.usage.cell([e.service, e.layer, code], Tally.makeUsage);
    u.n += 1;
    u.bytes += bytes;
  }

  /** The counts so far as a report, and a fresh start; undefined when nothing was counted. */
  take(): FrontStats | undefined {
    if (this.empty) return undefined;
    const stats: FrontStats = {
      type: 'stats',
      http: this.http.cells.map((c) => [c.method, c.status, c.n]),
      durations: this.durations.cells.map((c) => [c.method, c.buckets, c.sum]),
      usage: this.usage.cells.map((c) => [c.service, c.layer, c.status, c.n, c.bytes]),
    };
    this.http = new LabelTree();
    this.durations = new LabelTree();
    this.usage = new LabelTree();
    this.empty = true;
    return stats;
  }
}

export interface Front {
  readonly server: http.Server;
  /** Drops every tile held. */
  forget(): void;
  /** Sends what was counted since the last report. */
  report(): void;
  /** Stops accepting, lets the requests in progress end (at most `graceMs`); resolves with the last counts. */
  close(graceMs?: number): Promise<FrontStats | undefined>;
}

/** How often a front may pass the same kind of warning to the hub. */
const WARN_EVERY_MS = 10_000;

/** Starts a front on `listenOn` (the hub's listening socket); resolves once it accepts connections. */
export async function startFront(init: FrontInit, listenOn: NetServer, send: (m: FromFront) => void): Promise<Front> {
  const tiles = new LRUCache<string, Entry>({ maxSize: init.memoryBytes, sizeCalculation: (e) => e.body.length + 512 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const tally = new Tally(init.bounds);
  let lastWarn = 0;
  const warn = (message: string) => {
    const now = Date.now();
    if (now - lastWarn < WARN_EVERY_MS) return;
    lastWarn = now;
    send({ type: 'warn', message });
  };

  function answerHeld(req: IncomingMessage, res: ServerResponse, validators: IncomingHttpHeaders, e: Entry, started: number, now: number): void {
    const h = headersAt(e, Math.floor((now - e.storedAt) / 1000));
    let status = 200;
    if (notModifiedSince(validators, e.etag, e.lastModified)) {
      status = 304;
      res.writeHead(304, h.notModified).end();
    } else {
      res.writeHead(200, h.ok).end(req.method === 'HEAD' ? undefined : e.body);
    }
    tally.count(req.method!, status, (performance.now() - started) / 1000, e, status === 200 ? e.body.length : 0);
  }

  /** Learns from the hub's answer to a request for a tile the front could hold. */
  function learn(req: IncomingMessage, path: string, up: IncomingMessage): void {
    const held = tiles.peek(path);
    const status = up.statusCode;
    if (status === 304 || (status === 200 && req.method === 'HEAD')) {
      // The hub confirmed the tile: same ETag, a new lifetime.
      const freshMs = spread(holdFor(up.headers, init.freshMs));
      if (held && up.headers.etag === held.etag && freshMs > 0) {
        held.storedAt = Date.now();
        held.freshMs = freshMs;
        held.headers['cache-control'] = up.headers['cache-control']!;
        held.memo = undefined;
      } else if (held) tiles.delete(path);
      return;
    }
    const freshMs = status === 200 ? spread(holdFor(up.headers, init.freshMs)) : 0;
    const length = Number(up.headers['content-length']);
    if (freshMs === 0 || !(Number.isInteger(length) && length >= 0 && length <= init.maxEntryBytes)) {
      if (held) tiles.delete(path);
      return;
    }
    const chunks: Buffer[] = [];
    let got = 0;
    up.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
    });
    up.on('end', () => {
      if (got !== length) return;
      const [service, layer] = path.split('/', 2);
      tiles.set(path, { body: Buffer.concat(chunks, got), headers: storedHeaders(up.rawHeaders), etag: up.headers.etag!,
        lastModified: up.headers['last-modified']!, storedAt: Date.now(), freshMs, service, layer });
    });
  }

  function relay(req: IncomingMessage, res: ServerResponse, tilePath?: string): void {
    const out = http.request({ socketPath: init.relaySocket, method: req.method, path: req.url, agent, setHost: false,
      headers: relayedRequestHeaders(req.rawHeaders, req.socket.remoteAddress) });
    out.on('response', (up) => {
      if (res.destroyed) {
        up.destroy();
        return;
      }
      if (tilePath !== undefined) learn(req, tilePath, up);
      res.writeHead(up.statusCode ?? 502, up.statusMessage, relayedResponseHeaders(up.rawHeaders));
      pipeline(up, res, () => {});
    });
    out.on('error', (err) => {
      if (res.destroyed) return;
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      warn(`a front process could not relay a request to the hub process: ${err.message}`);
      const spec = catalogue.hub_unreachable;
      res.writeHead(spec.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'hub_unreachable', title: spec.title,
        status: spec.status, message: `The hub process did not answer this request (${err.message}); try again.` }));
    });
    // The client gone before the hub answered: the relayed request is dropped too.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    pipeline(req, out, () => {});
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && url.indexOf('?') < 0 && TILE_URL.test(url)) {
      const started = performance.now();
      // Read once: credentials send the request to the hub, validators may give a 304 here.
      const headers = hotHeaders(req.rawHeaders);
      if (!hasCredentials(headers)) {
        const path = url.slice('/tiles/'.length);
        const held = tiles.get(path);
        const now = Date.now();
        if (held && now - held.storedAt < held.freshMs) {
          answerHeld(req, res, headers, held, started, now);
          return;
        }
        relay(req, res, path);
        return;
      }
    }
    relay(req, res);
  }

  const server = http.createServer(onRequest);
  // Like the hub's: thousands of tile clients may connect at once.
  server.maxConnections = Number.POSITIVE_INFINITY;
  await listenSafely(server, { handle: listenOn, backlog: init.backlog }, (err) =>
    warn(`a front process could not accept a connection (out of file descriptors? see LimitNOFILE / ulimit -n): ${err.message}`));
  const report = () => {
    const stats = tally.take();
    if (stats) send(stats);
  };
  const timer = setInterval(report, init.statsEveryMs);
  timer.unref();

  return {
    server,
    forget: () => tiles.clear(),
    report,
    async close(graceMs = 10_000) {
      clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(grace);
      agent.destroy();
      return tally.take();
    },
  };
}

/**
 * The body of a front process (process.js): waits for the hub's `init` with its listening socket, serves, and
 * exits after `close`, or at once when the hub process is gone (its IPC channel closed).
 */
export function runFrontProcess(): void {
  let front: Front | undefined;
  const send = (m: FromFront, then?: () => void) => {
    if (process.connected) process.send!(m, undefined, {}, () => then?.());
    else then?.();
  };
  process.on('message', (m: ToFront, handle?: NetServer) => {
    if (m.type === 'init') {
      if (!handle) throw new Error('a front process got no listening socket with its init message');
      // The hub process's memory settings (src/heap.ts): a front is forked without its node options.
      const heap = applyMemorySettings(m.heapGrowingPercent);
      startFront(m, handle, (x) => send(x)).then((f) => {
        front = f;
        send({ type: 'ready', heap });
      }, (err: Error) => {
        send({ type: 'warn', message: `a front process could not start: ${err.message}` }, () => process.exit(1));
      });
    } else if (m.type === 'forget') {
      front?.forget();
    } else if (m.type === 'close') {
      const exit = (stats?: FrontStats) => (stats ? send(stats, () => process.exit(0)) : process.exit(0));
      if (front) void front.close().then(exit, () => exit());
      else exit();
    }
  });
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C in a terminal signals the whole process group: the hub process stops its fronts itself (`close`), after
  // their requests in progress. SIGTERM sent to a front alone ends it the same way (the hub starts another).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {
    const exit = () => process.exit(0);
    if (front) void front.close().then(exit, exit);
    else exit();
  });
  send({ type: 'hello' });
}
