/**
 * Limits and politeness of the upstream client (issue 6 §6: "every fetch has size and time limits"; DESIGN §8
 * politeness), against real local servers that stall, overflow, reset and count.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { upstreamFor } from '../../../src/proxy/clients/upstream.ts';
import { HubError } from '../../../src/errors.ts';
import { reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { service, text } from './service.ts';

let up: TestServer;

beforeAll(async () => {
  up = await startTestServer([]);
});
afterAll(async () => {
  await up.close();
});
afterEach(() => {
  expect(up.unexpected).toEqual([]);
  up.requests.length = 0;
  up.routes.length = 0;
});

async function failure(p: Promise<unknown>): Promise<HubError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('time limits', () => {
  it('answers upstream_timeout (504) naming the service and host when no response comes', async () => {
    up.routes.push({ path: '/never', handler: () => { /* never answers */ } });
    const def = service(up.url);
    def.politeness.timeoutMs = 300;
    const t0 = Date.now();
    const err = await failure(upstreamFor(def).request({ url: new URL('/never', up.url) }));
    expect(err.code).toBe('upstream_timeout');
    expect(err.status).toBe(504);
    expect(err.message).toContain(def.id);
    expect(err.message).toContain(new URL(up.url).host);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('errors the body stream when the upstream stalls mid-body', async () => {
    up.routes.push({
      path: '/stall',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1000));
        // ... and nothing more.
      },
    });
    const def = service(up.url);
    def.politeness.timeoutMs = 300;
    const res = await upstreamFor(def).request({ url: new URL('/stall', up.url) });
    expect(res.status).toBe(200);
    const err = await failure(text(res.body));
    expect(err.code).toBe('upstream_timeout');
    expect(err.message).toContain(def.id);
  });

  it('answers upstream_unavailable (502) with the host when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const def = service(`http://127.0.0.1:${port}/wms`);
    const err = await failure(upstreamFor(def).request({ url: new URL('/wms', def.url) }));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.status).toBe(502);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('size limits', () => {
  it('refuses an answer whose Content-Length is over maxBytes before reading it', async () => {
    up.routes.push({ path: '/big', handler: reply(200, 'x'.repeat(5000), { 'content-type': 'text/plain', 'content-length': '5000' }) });
    const def = service(up.url);
    def.politeness.maxBytes = 1000;
    const err = await failure(upstreamFor(def).request({ url: new URL('/big', up.url) }));
    expect(err.code).toBe('upstream_too_large');
    expect(err.message).toMatch(/5000 bytes, over its limit of 1000/);
  });

  it('errors a chunked body as soon as it passes maxBytes', async () => {
    let written = 0;
    up.routes.push({
      path: '/chunked',
      handler: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        // 10 MB announced by nobody: the client must stop it, not read it all.
        for (let i = 0; i < 160 && !res.destroyed; i++) {
          if (!res.write(Buffer.alloc(64 * 1024))) await new Promise((r) => res.once('drain', r).once('close', r));
          written += 64 * 1024;
        }
        res.end();
      },
    });
    const def = service(up.url);
    def.politeness.maxBytes = 200_000;
    const res = await upstreamFor(def).request({ url: new URL('/chunked', up.url) });
    let received = 0;
    const err = await failure((async () => { for await (const c of res.body) received += c.length; })());
    expect(err.code).toBe('upstream_too_large');
    expect(received).toBeLessThanOrEqual(200_000);
    await sleep(100);
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });
});

describe('politeness', () => {
  it('holds at most `concurrency` requests in flight to one service, bodies included', async () => {
    let inFlight = 0;
    let most = 0;
    up.routes.push({
      path: '/slow',
      handler: async (_req, res) => {
        most = Math.max(most, ++inFlight);
        res.writeHead(200);
        res.write('a');
        await sleep(100);
        inFlight--;
        res.end('b');
      },
    });
    const def = service(up.url);
    def.politeness.concurrency = 2;
    const client = upstreamFor(def);
    const bodies = await Promise.all(Array.from({ length: 6 }, async () => text((await client.request({ url: new URL('/slow', up.url) })).body)));
    expect(bodies).toEqual(Array(6).fill('ab'));
    expect(most).toBe(2);
  });

  it('spaces requests to the service rate', async () => {
    up.routes.push({ path: '/r', handler: reply(200, 'ok') });
    const def = service(up.url, { politeness: { concurrency: 10, rate: 4, timeoutMs: 5000, maxBytes: 1000 } });
    const client = upstreamFor(def);
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => text((await client.request({ url: new URL('/r', up.url) })).body)));
    const at = up.requests.map((r) => r.at).sort((a, b) => a - b);
    // 4 a second: the fifth request waits for the next second, and the 8 take two intervals, not eight. Measured
    // from when the requests were made: the first ones may reach the server late (new connections, a loaded
    // machine), which says nothing about when the fifth may leave.
    expect(at[4] - started).toBeGreaterThanOrEqual(950);
    expect(at[7] - started).toBeLessThan(2500);
  });

  it('gives up with upstream_timeout when no slot frees within timeoutMs', async () => {
    // A transfer that goes on (a byte every 100 ms): it holds its slot without tripping the idle timeout.
    up.routes.push({ path: '/hold', handler: (_req, res) => {
      res.writeHead(200);
      const tick = setInterval(() => res.write('x'), 100);
      res.once('close', () => clearInterval(tick));
    } });
    const def = service(up.url);
    def.politeness.concurrency = 1;
    def.politeness.timeoutMs = 1000;
    const client = upstreamFor(def);
    const first = await client.request({ url: new URL('/hold', up.url) });
    const err = await failure(client.request({ url: new URL('/hold', up.url) }));
    expect(err.code).toBe('upstream_timeout');
    expect(err.message).toMatch(/no free connection/);
    first.body.resume();
    (first.body as unknown as { destroy(): void }).destroy();
    expect(up.requests).toHaveLength(1);
  });

  it('frees the slot when the caller destroys the body (client gone)', async () => {
    up.routes.push({ path: '/endless', handler: (_req, res) => { res.writeHead(200); res.write('x'); } });
    const def = service(up.url);
    def.politeness.concurrency = 1;
    const client = upstreamFor(def);
    for (let i = 0; i < 3; i++) {
      const res = await client.request({ url: new URL('/endless', up.url) });
      (res.body as unknown as { destroy(): void }).destroy();
    }
    expect(up.requests).toHaveLength(3);
  });
});

describe('methods and cancellation', () => {
  it('sends HEAD and gets the headers without a body', async () => {
    up.routes.push({ path: '/file', method: 'HEAD', handler: reply(200, '', { 'content-length': '12345', 'accept-ranges': 'bytes' }) });
    const res = await upstreamFor(service(up.url)).request({ url: new URL('/file', up.url), method: 'HEAD' });
    expect([res.status, res.headers['content-length'], res.headers['accept-ranges']]).toEqual([200, '12345', 'bytes']);
    expect(await text(res.body)).toBe('');
    expect(up.requests[0].method).toBe('HEAD');
  });

  it('gives a queued request up when the caller aborts, without sending it', async () => {
    up.routes.push({ path: '/busy', handler: (_req, res) => { res.writeHead(200); res.write('x'); } });
    const def = service(up.url);
    def.politeness.concurrency = 1;
    const client = upstreamFor(def);
    const first = await client.request({ url: new URL('/busy', up.url) });
    const controller = new AbortController();
    const queued = client.request({ url: new URL('/busy', up.url), signal: controller.signal });
    controller.abort();
    const err = await failure(queued);
    expect(err.message).toMatch(/aborted while queued/);
    (first.body as unknown as { destroy(): void }).destroy();
    // The slot is free again, and the aborted request was never sent.
    const next = await client.request({ url: new URL('/busy', up.url) });
    (next.body as unknown as { destroy(): void }).destroy();
    expect(up.requests).toHaveLength(2);
  });
});

describe('retries', () => {
  it('retries a GET once when the connection is reset before any response', async () => {
    let calls = 0;
    up.routes.push({ path: '/flaky', handler: (_req, res) => { if (++calls === 1) res.socket?.destroy(); else res.end('second'); } });
    const res = await upstreamFor(service(up.url)).request({ url: new URL('/flaky', up.url) });
    expect(await text(res.body)).toBe('second');
    expect(calls).toBe(2);
  });

  it('never retries a POST', async () => {
    let calls = 0;
    up.routes.push({ path: '/post', handler: (_req, res) => { calls++; res.socket?.destroy(); } });
    const err = await failure(upstreamFor(service(up.url)).request({ url: new URL('/post', up.url), method: 'POST', body: Buffer.from('<x/>') }));
    expect(err.code).toBe('upstream_unavailable');
    expect(calls).toBe(1);
  });

  it('errors the body, without retrying, when the connection drops mid-body', async () => {
    up.routes.push({ path: '/cut', handler: (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100));
      setTimeout(() => res.socket?.destroy(), 50);
    } });
    const def = service(up.url);
    const res = await upstreamFor(def).request({ url: new URL('/cut', up.url) });
    const err = await failure(text(res.body));
    expect(err.code).toBe('upstream_unavailable');
    expect(err.message).toContain(def.id);
    expect(up.requests).toHaveLength(1);
  });

  it('passes upstream error statuses through as answers', async () => {
    up.routes.push({ path: '/missing', handler: reply(404, 'no such tile', { 'content-type': 'text/plain' }) });
    const res = await upstreamFor(service(up.url)).request({ url: new URL('/missing', up.url) });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(await text(res.body)).toBe('no such tile');
  });
});
