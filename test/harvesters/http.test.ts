import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { createHttpClient, FetchError, DEFAULT_USER_AGENT } from '../../harvesters/http.ts';
import { reply, startTestServer, type TestServer } from '../helpers/http-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('expected a FetchError');
}

describe('harvest HTTP client', () => {
  it('identifies itself and returns the body, final URL and media type', async () => {
    server = await startTestServer([
      { path: '/old', handler: reply(301, '', { location: '/csw' }) },
      { path: '/csw', handler: reply(200, '<ok/>', { 'content-type': 'application/xml; charset=utf-8' }) },
    ]);
    const res = await createHttpClient().fetch({ url: `${server.url}/old` });
    expect(res.body.toString()).toBe('<ok/>');
    expect(res.url).toBe(`${server.url}/csw`);
    expect(res.mediaType).toBe('application/xml');
    expect(server.requests[0].headers['user-agent']).toBe(DEFAULT_USER_AGENT);
  });

  it('retries a 503 after the delay given by Retry-After, then succeeds', async () => {
    let calls = 0;
    server = await startTestServer([{ path: '/busy', handler: (_r, res) => {
      calls++;
      if (calls === 1) { res.writeHead(503, { 'retry-after': '1' }); res.end(); return; }
      res.writeHead(200); res.end('done');
    } }]);
    const res = await createHttpClient({ ratePerSecond: 100 }).fetch({ url: `${server.url}/busy` });
    expect(res.body.toString()).toBe('done');
    expect(server.requests.length).toBe(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(900);
  });

  it('gives up after its retries with an error naming the URL and the status', async () => {
    server = await startTestServer([{ path: '/down', handler: reply(502) }]);
    const err = await failure(createHttpClient({ retries: 1, ratePerSecond: 100 }).fetch({ url: `${server.url}/down` }));
    expect(err).toMatchObject({ code: 'http_status', status: 502 });
    expect(err.message).toContain(`${server.url}/down`);
    expect(server.requests.length).toBe(2);
  });

  it('does not retry a 404', async () => {
    server = await startTestServer([{ path: '/gone', handler: reply(404) }]);
    expect((await failure(createHttpClient().fetch({ url: `${server.url}/gone` }))).status).toBe(404);
    expect(server.requests.length).toBe(1);
  });

  it('refuses a body larger than the limit, announced or not, compressed or not', async () => {
    const big = Buffer.alloc(200_000, 'a');
    server = await startTestServer([
      { path: '/announced', handler: reply(200, big.toString()) },
      { path: '/chunked', handler: (_r, res) => { res.writeHead(200); res.write(big); res.end(big); } },
      { path: '/bomb', handler: (_r, res) => { res.writeHead(200, { 'content-encoding': 'gzip' }); res.end(gzipSync(Buffer.alloc(5_000_000))); } },
    ]);
    const client = createHttpClient({ maxBytes: 100_000, retries: 0 });
    for (const p of ['/announced', '/chunked', '/bomb']) {
      const err = await failure(client.fetch({ url: `${server.url}${p}` }));
      expect(err.code, p).toBe('too_large');
    }
  });

  it('times out a server that never answers', async () => {
    server = await startTestServer([{ path: '/slow', handler: (_r, res) => void setTimeout(() => res.end('late'), 3000) }]);
    const err = await failure(createHttpClient({ timeoutMs: 300, retries: 0 }).fetch({ url: `${server.url}/slow` }));
    expect(err.code).toBe('timeout');
  });

  it('stops following redirects after the limit', async () => {
    server = await startTestServer([{ path: /^\/loop/, handler: (r, res) => { res.writeHead(302, { location: `/loop${r.url.length}` }); res.end(); } }]);
    const err = await failure(createHttpClient({ maxRedirects: 3 }).fetch({ url: `${server.url}/loop` }));
    expect(err.code).toBe('too_many_redirects');
    expect(server.requests.length).toBe(4);
  });

  it('spaces requests to one host by its rate limit and caps concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    server = await startTestServer([{ path: '/page', handler: (_r, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => { inFlight--; res.end('x'); }, 50);
    } }]);
    const client = createHttpClient({ ratePerSecond: 10, concurrency: 1 });
    await Promise.all(Array.from({ length: 6 }, () => client.fetch({ url: `${server!.url}/page` })));
    const times = server.requests.map((r) => r.at);
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(450);
    expect(maxInFlight).toBe(1);
  });

  it('refuses non-HTTP URLs without any request', async () => {
    expect((await failure(createHttpClient().fetch({ url: 'file:///etc/passwd' }))).message).toContain('file:');
    expect((await failure(createHttpClient().fetch({ url: 'not a url' }))).message).toContain('not a URL');
  });
});

describe('harvest HTTP client and the run signal', () => {
  it('leaves no listener on the run signal after many requests, and still aborts through it', async () => {
    server = await startTestServer([
      { path: '/ok', handler: reply(200, 'ok') },
      { path: '/slow', handler: (_r, res) => void setTimeout(() => res.end('late'), 2000) },
    ]);
    const client = createHttpClient({ ratePerSecond: 1000, concurrency: 4 });
    const run = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 30; i++) await client.fetch({ url: `${server.url}/ok`, signal: run.signal });
      const pending = client.fetch({ url: `${server.url}/slow`, signal: run.signal });
      setTimeout(() => run.abort(), 100);
      expect((await failure(pending)).code).toBe('aborted');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
