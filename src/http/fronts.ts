/**
 * Front processes (FRONT_PROCESSES): more processes answering on the hub's port, so that cached tiles are
 * served on more than one core. Each is a small Node.js process (front/front.ts) that accepts connections on
 * the hub's own listening socket (handed to it over IPC: the kernel gives each new connection to whichever
 * process accepts first, the hub process included), answers the public tiles it holds in memory, and relays
 * everything else to the hub process over a private Unix socket, where the hub answers it as any request.
 * The store, the harvests, the search index and the admin API stay in the hub process alone.
 *
 * What the fronts answer themselves is reported here every second and counted in the hub's metrics and proxy
 * usage as if the hub had answered it. A front that exits unexpectedly is started again (after 1 s, then up to
 * 30 s between attempts); the hub process keeps accepting connections meanwhile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../heap.ts';
import type { HubMetrics } from './metrics.ts';
import { statusLabel } from './label-tree.ts';
import type { UsageRecorder } from '../proxy/usage.ts';
import { ADMISSION_CACHE_MS, onForgetProxyCaches } from '../proxy/gate.ts';
import { TILE_ROUTE } from '../proxy/services/tiles.ts';
import type { FrontInit, FromFront, ToFront } from './front/protocol.ts';

const ENTRY = fileURLToPath(new URL('./front/process.js', import.meta.url));
/** How long a front may take to start, and to finish its requests when the hub stops. */
const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 15_000;

export interface FrontsOptions {
  /** The listening socket the fronts accept on (the hub's, which the hub process keeps accepting on too). */
  listenOn: NetServer;
  /** Its backlog, as it was set. */
  backlog: number;
  count: number;
  /** What answers relayed requests in the hub process: the same listener as the hub's own server. */
  listener: RequestListener;
  logger: Logger;
  metrics?: HubMetrics;
  usage?: UsageRecorder;
  /** Memory for the tiles each front holds (default 64 MB). */
  memoryBytes?: number;
  /** How long a front answers a tile without asking the hub (default: the hub's admission cache, 5 s). */
  freshMs?: number;
  /** How often fronts report their counts (default 1 s). */
  statsEveryMs?: number;
  /** HEAP_GROWING_PERCENT for the fronts, as the hub's (default DEFAULT_HEAP_GROWING_PERCENT; 0: V8's rule). */
  heapGrowingPercent?: number;
}

export interface Fronts {
  /** The running fronts' process ids. */
  pids(): number[];
  /** The memory settings each running front reported it runs with (heapSettings), by process id. */
  heap(): Map<number, string>;
  /** Stops the fronts (each finishes its requests and reports its last counts), then the relay socket. */
  close(): Promise<void>;
}

/** Starts `count` fronts; resolves once every one accepts connections (a front that fails to start is retried). */
export async function startFronts(o: FrontsOptions): Promise<Fronts> {
  // The relay socket in a folder of its own, readable by this user only (mkdtemp makes it 0700).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-relay-'));
  const relaySocket = path.join(dir, 'hub.sock');
  const relay: Server = createServer(o.listener);
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    // The hub's backlog, not node's default of 511: a Unix socket refuses a connect at once (EAGAIN) when its queue
    // is full, and each front may open up to 1,024 relay connections while the hub process is busy (10,000 clients:
    // 33,814 error answers in one bench/tiles run at 10,000 connections with 511, none with 4,096).
    relay.listen({ path: relaySocket, backlog: o.backlog }, () => resolve());
  });
  const init: FrontInit = {
    type: 'init', relaySocket, freshMs: o.freshMs ?? ADMISSION_CACHE_MS, memoryBytes: o.memoryBytes ?? 64 * 1024 * 1024,
    maxEntryBytes: 1024 * 1024, bounds: [...(o.metrics?.httpDuration.bounds ?? [])], statsEveryMs: o.statsEveryMs ?? 1000, backlog: o.backlog,
    heapGrowingPercent: o.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT,
  };
  const children = new Set<ChildProcess>();
  const heap = new Map<number, string>();
  let closing = false;

  const onMessage = (m: FromFront) => {
    if (m.type === 'stats') {
      for (const [method, status, n] of m.http) o.metrics?.httpRequestsTally.add([method, TILE_ROUTE, statusLabel(status)], n);
      for (const [method, buckets, sum] of m.durations) {
        if (o.metrics && buckets.length === o.metrics.httpDuration.bounds.length + 1) o.metrics.httpDuration.merge([method, TILE_ROUTE], buckets, sum);
      }
      for (const [service, layer, status, n, bytes] of m.usage) o.usage?.count({ service, layer, status, bytes }, n);
    } else if (m.type === 'warn') o.logger.warn(m.message);
  };

  /** Forks one front; resolves when it accepts connections, rejects if it exits or stays silent first. */
  const spawnOne = () => new Promise<ChildProcess>((resolve, reject) => {
    const child = fork(ENTRY, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    children.add(child);
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`a front process did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.on('message', (m: FromFront) => {
      // The socket goes with init only once the front handles messages (see FromFront 'hello').
      if (m.type === 'hello') child.send(init satisfies ToFront, o.listenOn);
      else if (m.type !== 'ready') onMessage(m);
      else if (!started) {
        heap.set(child.pid!, m.heap);
        started = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      heap.delete(child.pid!);
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`a front process exited while starting (code ${code}, signal ${signal})`));
      } else if (!closing) restart(code, signal);
    });
  });

  let delayMs = 1000;
  const restart = (code: number | null, signal: string | null) => {
    o.logger.error({ code, signal }, `a front process exited; starting another in ${delayMs / 1000} s`);
    const t = setTimeout(() => {
      if (closing) return;
      spawnOne().then(() => { delayMs = 1000; }, (err: Error) => {
        o.logger.error({ err }, 'a front process failed to start');
        delayMs = Math.min(delayMs * 2, 30_000);
        restart(null, null);
      });
    }, delayMs);
    t.unref();
  };

  const unsubscribe = onForgetProxyCaches(() => {
    for (const child of children) if (child.connected) child.send({ type: 'forget' } satisfies ToFront);
  });
  try {
    await Promise.all(Array.from({ length: o.count }, spawnOne));
  } catch (err) {
    closing = true;
    unsubscribe();
    for (const child of children) child.kill('SIGKILL');
    relay.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    pids: () => [...children].map((c) => c.pid!).filter(Boolean),
    heap: () => new Map(heap),
    async close() {
      closing = true;
      unsubscribe();
      // Exited, and its channel read to the end: its last counts (sent just before it exits) are in.
      await Promise.all([...children].map((child) => {
        const gone = Promise.all([
          child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((r) => child.once('exit', r)),
          child.connected ? new Promise((r) => child.once('disconnect', r)) : undefined,
        ]);
        const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
        if (child.connected) child.send({ type: 'close' } satisfies ToFront);
        else child.kill('SIGTERM');
        return gone.finally(() => clearTimeout(kill));
      }));
      const closed = new Promise<void>((resolve) => relay.close(() => resolve()));
      relay.closeIdleConnections();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
