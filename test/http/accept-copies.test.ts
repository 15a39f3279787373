/**
 * ACCEPT_COPIES (src/http/accept-copies.ts): more descriptors of the listening socket in the hub's process, each
 * reported on its own by the event loop. libuv accepts one connection per report: connections waiting when the
 * loop comes back from a long turn are accepted one per pass without copies, K + 1 at once with K copies.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openAcceptCopies, type AcceptCopies } from '../../src/http/accept-copies.ts';
import { defaultSeedsDir, type HubConfig } from '../../src/config.ts';
import { startHub } from '../../src/server.ts';

/** The descriptors listening on `port`, in any process, as ss lists them (users:(("node",pid=…,fd=…),…)). */
function listeningDescriptors(port: number): number {
  const line = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  return line.match(/fd=\d+/g)?.length ?? 0;
}

const BACKLOG = 1024;
let server: Server | undefined;
let copies: AcceptCopies | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await copies?.close();
  copies = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
});

async function start(k: number): Promise<number> {
  server = createServer((req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server!.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () => resolve()));
  copies = await openAcceptCopies(server, k, BACKLOG);
  return (server.address() as AddressInfo).port;
}

/** Connections accepted in the first pass of the event loop after a 300 ms turn during which 20 connected. */
async function acceptedInOnePass(port: number): Promise<number> {
  let accepted = 0;
  server!.on('connection', () => accepted++);
  // In a check phase (setImmediate): the long turn ends there, and an immediate set then runs in the next pass's
  // check phase, right after its poll phase, which accepts.
  const inOnePass = await new Promise<number>((resolve) => setImmediate(() => {
    for (let i = 0; i < 20; i++) clients.push(connect(port, '127.0.0.1'));
    const until = Date.now() + 300;
    while (Date.now() < until) { /* the kernel completes the handshakes meanwhile */ }
    const before = accepted;
    setImmediate(() => resolve(accepted - before));
  }));
  // The rest are accepted in the next passes, with or without copies.
  for (let i = 0; i < 100 && accepted < 20; i++) await new Promise((r) => setTimeout(r, 20));
  expect(accepted).toBe(20);
  return inOnePass;
}

describe('copies of the listening socket (ACCEPT_COPIES)', () => {
  it('without copies, one connection is accepted per pass of the event loop (libuv ≥ 1.45)', async () => {
    expect(await acceptedInOnePass(await start(0))).toBe(1);
  });

  it('with 4 copies, 5 connections are accepted in that pass', async () => {
    const port = await start(4);
    expect(copies!.count).toBe(4);
    expect(await acceptedInOnePass(port)).toBe(5);
  });

  it('answers what the copies accept, keeps the backlog, and leaves nothing listening once closed', async () => {
    const port = await start(8);
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
    expect(answers.every((a) => a === 'ok')).toBe(true);
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
});

describe('ACCEPT_COPIES in the running hub', () => {
  it('opens the copies with the hub, answers through them, and closes them with it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'moisson-copies-'));
    const config: HubConfig = { port: 0, host: '127.0.0.1', baseUrl: 'https://hub.example', dataDir, logLevel: 'silent',
      seedsDir: defaultSeedsDir, acceptCopies: 3 };
    const hub = await startHub(config, pino({ level: 'silent' }), { scheduler: false });
    const port = Number(new URL(hub.url).port);
    try {
      expect(listeningDescriptors(port)).toBe(4);
      const statuses = await Promise.all(Array.from({ length: 30 }, async () =>
        (await fetch(`${hub.url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) })).status));
      expect(statuses).toEqual(Array(30).fill(200));
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(listeningDescriptors(port)).toBe(0);
  });
});
