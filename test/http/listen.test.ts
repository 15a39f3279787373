import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listenSafely } from '../../src/http/listen.ts';

const EMFILE_CHILD = fileURLToPath(new URL('../helpers/listen-emfile.ts', import.meta.url));
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    });
    req.on('error', reject).end();
  });
}

describe('listenSafely', () => {
  it('rejects with the reason when it cannot listen, and leaves no listener of its own behind', async () => {
    const first = createServer();
    const { port } = await listenSafely(first, { port: 0, host: '127.0.0.1', backlog: 16 }, () => {});
    closers.push(() => new Promise((r) => first.close(r)));
    const second = createServer();
    await expect(listenSafely(second, { port, host: '127.0.0.1', backlog: 16 }, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.listenerCount('error')).toBe(0);
  });

  it('hands every accept error to its handler, not to an uncaught throw, and keeps serving', async () => {
    // What node does when accept() fails: net.Server's onconnection emits 'error' on the server, once per failure.
    const server = createServer((_req, res) => res.end('still here'));
    const errors: string[] = [];
    const { port } = await listenSafely(server, { port: 0, host: '127.0.0.1', backlog: 16 }, (err) => errors.push(err.message));
    closers.push(() => new Promise((r) => server.close(r)));
    for (let i = 0; i < 3; i++) server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }));
    expect(errors).toEqual(['accept EMFILE', 'accept EMFILE', 'accept EMFILE']);
    expect(await get(port)).toBe('still here');
  });

  it('survives running out of file descriptors: connections over the limit fail, the process stays up and serves again', async () => {
    // 64 descriptors in all for the child: node and tsx take a few dozen, the connections below the rest.
    const child = spawn('/bin/sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" --import tsx "${EMFILE_CHILD}"`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    closers.push(() => child.kill());
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    while (!/port (\d+)/.test(out)) {
      if (child.exitCode !== null) throw new Error(`the child exited: ${out}`);
      await once(child.stdout, 'data');
    }
    const port = Number(/port (\d+)/.exec(out)![1]);
    const sockets: Socket[] = [];
    closers.push(() => sockets.forEach((s) => s.destroy()));
    for (let i = 0; i < 100; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
    }
    // libuv meets EMFILE with a spare descriptor it keeps for that: it accepts and closes what is waiting, and
    // tells node nothing (an error reaches the server only when that spare is gone too). The connections fail.
    await Promise.all(sockets.map((s) => new Promise((r) => { s.once('close', r); s.once('connect', r); })));
    await new Promise((r) => setTimeout(r, 300));
    expect(sockets.filter((s) => s.destroyed).length).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull();
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 200));
    expect(await get(port)).toBe('ok');
  }, 30_000);
});
