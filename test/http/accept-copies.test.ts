/**
 * ACCEPT_COPIES (src/http/accept-copies.ts): more descriptors of the listening socket in the hub's process, on
 * standby until a burst of new connections, then each reported on its own by the event loop. libuv accepts one
 * connection per report: connections waiting when the loop comes back from a long turn are accepted one per pass
 * without copies listening, K + 1 at once with K.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acceptOnBursts, DEFAULT_ACCEPT_COPIES, type AcceptCopies, type AcceptCopiesEvent, type AcceptCopiesOptions } from '../../src/http/accept-copies.ts';
import { defaultSeedsDir, type HubConfig } from '../../src/config.ts';
import { startHub } from '../../src/server.ts';

/** The descriptors of the socket listening on `port`, in any process, as ss lists them (users:(("node",pid=…,fd=…),…)). */
function listeningDescriptors(port: number): number {
  const line = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  return line.match(/fd=\d+/g)?.length ?? 0;
}

const BACKLOG = 1024;
let server: Server | undefined;
let copies: AcceptCopies | undefined;
const clients: Socket[] = [];
const events: AcceptCopiesEvent[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await copies?.close();
  copies = undefined;
  events.length = 0;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
});

/** A server with `k` copies on standby (once fetched); resolves with its port. */
async function start(k: number, options: Partial<AcceptCopiesOptions> = {}): Promise<number> {
  server = createServer((req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server!.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () => resolve()));
  if (k > 0) {
    copies = acceptOnBursts(server, { count: k, backlog: BACKLOG, onEvent: (e) => events.push(e), ...options });
    await copies.settled();
  }
  return (server.address() as AddressInfo).port;
}

/** Connections accepted in the first pass of the event loop after a 300 ms turn during which `n` connected. */
async function acceptedInOnePass(port: number, n = 20): Promise<number> {
  let accepted = 0;
  server!.on('connection', () => accepted++);
  // In a check phase (setImmediate): the long turn ends there, and an immediate set then runs in the next pass's
  // check phase, right after its poll phase, which accepts.
  const inOnePass = await new Promise<number>((resolve) => setImmediate(() => {
    for (let i = 0; i < n; i++) clients.push(connect(port, '127.0.0.1'));
    const until = Date.now() + 300;
    while (Date.now() < until) { /* the kernel completes the handshakes meanwhile */ }
    const before = accepted;
    setImmediate(() => resolve(accepted - before));
  }));
  // The rest are accepted in the next passes, with or without copies.
  for (let i = 0; i < 200 && accepted < n; i++) await new Promise((r) => setTimeout(r, 20));
  expect(accepted).toBe(n);
  return inOnePass;
}

/** The most connections accepted in one pass of the event loop from now on (read in each pass's check phase). */
function mostInOnePass(s: Server): () => number {
  let inPass = 0;
  let most = 0;
  let checking = false;
  s.on('connection', () => {
    inPass += 1;
    if (!checking) {
      checking = true;
      setImmediate(function check() {
        most = Math.max(most, inPass);
        if (inPass === 0) checking = false;
        else setImmediate(check);
        inPass = 0;
      });
    }
  });
  return () => most;
}

const until = (what: () => boolean) => vi.waitFor(() => expect(what()).toBe(true), { timeout: 10_000, interval: 20 });

describe('copies of the listening socket (ACCEPT_COPIES)', () => {
  it('without copies, one connection is accepted per pass of the event loop (libuv ≥ 1.45)', async () => {
    expect(await acceptedInOnePass(await start(0))).toBe(1);
  });

  it('copies on standby are not watched: still one connection a pass, though the socket has 5 descriptors', async () => {
    const port = await start(4);
    expect(copies!.state()).toEqual({ standby: 4, listening: 0, bursts: 0 });
    expect(listeningDescriptors(port)).toBe(5);
    // 20 waiting drain in 20 quick passes: not a burst (under the 50 ms the queue must stay non-empty).
    expect(await acceptedInOnePass(port)).toBe(1);
    expect(copies!.state().bursts).toBe(0);
  });

  it('connections waiting at every pass for 50 ms are a burst: the copies listen, 5 accepted in a pass; closed by 16 connections one by one after it, and fetched again', async () => {
    const port = await start(4, { holdMs: 300 });
    // Slow passes (2 ms a connection), as a busy hub's: 200 connections waiting take ~25 passes to reach 50 ms.
    let accepted = 0;
    server!.on('connection', () => { accepted += 1; const t = Date.now() + 2; while (Date.now() < t) { /* busy */ } });
    const most = mostInOnePass(server!);
    for (let i = 0; i < 200; i++) clients.push(connect(port, '127.0.0.1'));
    await until(() => copies!.state().bursts === 1);
    expect(copies!.state()).toMatchObject({ standby: 0, listening: 4 });
    const listen = events.find((e) => e.type === 'listen');
    expect(listen).toMatchObject({ copies: 4 });
    expect((listen as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(50);
    expect((listen as { passes: number }).passes).toBeGreaterThanOrEqual(3);
    await until(() => accepted === 200);
    expect(most()).toBe(5);
    // No connection comes: the copies cost nothing, and keep listening past holdMs.
    await new Promise((r) => setTimeout(r, 500));
    expect(copies!.state()).toMatchObject({ listening: 4, bursts: 1 });
    // More than 300 ms after connections were last found waiting, connections one by one: the first 15 might be a
    // burst's first (they keep listening), the 16th closes them (the connections they accepted stay), and a new set
    // is fetched.
    for (let i = 1; i <= 16; i++) {
      clients.push(connect(port, '127.0.0.1'));
      await until(() => accepted === 200 + i);
      await new Promise((r) => setTimeout(r, 10));
      if (i < 16) expect(copies!.state().listening).toBe(4);
    }
    await until(() => copies!.state().listening === 0);
    expect(events.find((e) => e.type === 'stop')).toMatchObject({ copies: 4, accepted: expect.any(Number) });
    await until(() => copies!.state().standby === 4);
    expect(listeningDescriptors(port)).toBe(5);
    expect(accepted).toBe(216);
    expect(clients.every((c) => !c.destroyed)).toBe(true);
  });

  it('while they listen, a pass accepting several connections keeps them listening', async () => {
    const port = await start(4, { holdMs: 200 });
    let slow = true;
    let accepted = 0;
    server!.on('connection', () => { accepted += 1; const t = Date.now() + (slow ? 2 : 0); while (Date.now() < t) { /* busy */ } });
    for (let i = 0; i < 100; i++) clients.push(connect(port, '127.0.0.1'));
    await until(() => accepted === 100);
    expect(copies!.state().bursts).toBe(1);
    slow = false;
    // Every 100 ms, 10 at once, found waiting by quick passes (5 accepted a pass: not the 50 ms of a burst, but
    // several waiting): never 200 ms without, so they stay.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await new Promise<void>((resolve) => setImmediate(() => {
        for (let j = 0; j < 10; j++) clients.push(connect(port, '127.0.0.1'));
        const t = Date.now() + 20;
        while (Date.now() < t) { /* the handshakes complete meanwhile */ }
        resolve();
      }));
    }
    await until(() => accepted === 160);
    expect(copies!.state()).toMatchObject({ listening: 4, bursts: 1 });
  });

  it('fetches copies one by one: a burst during the fetch listens on those already here, and on the rest as they come', async () => {
    server = createServer((req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () => resolve()));
    const port = (server.address() as AddressInfo).port;
    // A busy hub: 5 ms of work in every pass of the event loop. A copy arrives per pass at most (each waits for the
    // one before to be acknowledged), so 64 take 320 ms or more.
    let busy = true;
    setImmediate(function burn() {
      const t = Date.now() + 5;
      while (Date.now() < t) { /* busy */ }
      if (busy) setImmediate(burn);
    });
    try {
      copies = acceptOnBursts(server, { count: 64, backlog: BACKLOG, triggerPasses: 1, triggerMs: 0, onEvent: (e) => events.push(e) });
      await until(() => copies!.state().standby > 0);
      clients.push(connect(port, '127.0.0.1'));
      await until(() => copies!.state().bursts === 1);
      const atBurst = copies.state();
      expect(atBurst.standby).toBe(0);
      expect(atBurst.listening).toBeGreaterThan(0);
      expect(atBurst.listening).toBeLessThan(64);
      await copies.settled();
    } finally {
      busy = false;
    }
    expect(copies.state()).toEqual({ standby: 0, listening: 64, bursts: 1 });
    expect(listeningDescriptors(port)).toBe(65);
  });

  it('connections one after another never make a burst', async () => {
    const port = await start(4, { triggerMs: 10 });
    for (let i = 0; i < 100; i++) {
      expect(await (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).text()).toBe('ok');
    }
    expect(copies!.state()).toEqual({ standby: 4, listening: 0, bursts: 0 });
  });

  it('answers what the copies accept, keeps the backlog, and leaves nothing listening once closed', async () => {
    // A burst at once (1 pass, 0 ms): the copies listen from the first connection on.
    const port = await start(8, { triggerPasses: 1, triggerMs: 0 });
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
    expect(answers.every((a) => a === 'ok')).toBe(true);
    expect(copies!.state()).toMatchObject({ listening: 8, bursts: 1 });
    // Listening on a descriptor received over IPC sets node's default backlog (511) unless given: ss shows the socket's.
    const ss = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/);
    expect(Number(ss[2])).toBe(BACKLOG);
    await copies!.close();
    copies = undefined;
    server!.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    // No copy left open anywhere (in this process or the helper's): the port refuses.
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve('connected'); });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('closed while its copies are being fetched: none is left open', async () => {
    server = createServer((req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const early = acceptOnBursts(server, { count: 16, backlog: BACKLOG });
    await early.close();
    expect(listeningDescriptors(port)).toBe(1);
  });
});

describe('ACCEPT_COPIES in the running hub', () => {
  async function withHub(acceptCopies: number | undefined, run: (hub: Awaited<ReturnType<typeof startHub>>, port: number, log: string[]) => Promise<void>) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-copies-'));
    const config: HubConfig = { port: 0, host: '127.0.0.1', baseUrl: 'https://hub.example', dataDir, logLevel: 'info',
      seedsDir: defaultSeedsDir, ...(acceptCopies === undefined ? {} : { acceptCopies }) };
    const log: string[] = [];
    const hub = await startHub(config, pino({ level: 'info' }, { write: (line: string) => { log.push(line); } }), { scheduler: false });
    const port = Number(new URL(hub.url).port);
    try {
      await run(hub, port, log);
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(listeningDescriptors(port)).toBe(0);
  }

  it(`keeps ${DEFAULT_ACCEPT_COPIES} copies on standby by default, answers, and closes them with it`, async () => {
    await withHub(undefined, async (hub, port) => {
      await hub.copies!.settled();
      expect(hub.copies!.state()).toEqual({ standby: DEFAULT_ACCEPT_COPIES, listening: 0, bursts: 0 });
      expect(listeningDescriptors(port)).toBe(DEFAULT_ACCEPT_COPIES + 1);
      const statuses = await Promise.all(Array.from({ length: 30 }, async () =>
        (await fetch(`${hub.url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) })).status));
      expect(statuses).toEqual(Array(30).fill(200));
      expect(await (await fetch(`${hub.url}/metrics`)).text()).toMatch(new RegExp(`^moisson_accept_copies\\{state="standby"\\} ${DEFAULT_ACCEPT_COPIES}$`, 'm'));
    });
  });

  it('counts what the socket fails to accept, by code, and keeps serving', async () => {
    await withHub(0, async (hub, _port, log) => {
      // What node does when accept() fails: net.Server's onconnection emits 'error' on the server, once per failure.
      for (let i = 0; i < 3; i++) hub.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }));
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toMatch(/^moisson_accept_errors_total\{code="EMFILE"\} 3$/m);
      expect(log.filter((l) => /could not be accepted/.test(l))).toHaveLength(1);
    });
  });

  it('listens on them during a burst, says so in its log, and answers every connection', async () => {
    await withHub(3, async (hub, port, log) => {
      await hub.copies!.settled();
      // A busy hub's slow passes: 2 ms of work for each new connection.
      hub.server.on('connection', () => { const t = Date.now() + 2; while (Date.now() < t) { /* busy */ } });
      const statuses = await Promise.all(Array.from({ length: 150 }, async () =>
        (await fetch(`${hub.url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) })).status));
      expect(statuses).toEqual(Array(150).fill(200));
      expect(hub.copies!.state()).toMatchObject({ listening: 3, bursts: 1 });
      expect(listeningDescriptors(port)).toBe(4);
      const line = log.map((l) => JSON.parse(l)).find((l) => /a burst of new connections/.test(l.msg));
      expect(line).toMatchObject({ level: 30, copies: 3 });
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metrics).toMatch(/^moisson_accept_bursts_total 1$/m);
      expect(metrics).toMatch(/^moisson_accept_copies\{state="listening"\} 3$/m);
      expect(metrics).toMatch(/^moisson_accept_copies\{state="standby"\} 0$/m);
    });
  });

  it('ACCEPT_COPIES=0: the socket alone', async () => {
    await withHub(0, async (hub, port) => {
      expect(hub.copies).toBeUndefined();
      expect(listeningDescriptors(port)).toBe(1);
    });
  });
});
