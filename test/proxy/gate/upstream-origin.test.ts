/**
 * The core security rule of the proxy (issue 6 §6): the upstream is always the registered one. Two real local
 * servers: the registered upstream, and "evil" on another port, which must never receive a request whatever
 * the path, the encoding or the redirects tried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forwardHeaders, hubUserAgent, upstreamFor, type UpstreamResponse } from '../../../src/proxy/clients/upstream.ts';
import { HubError } from '../../../src/errors.ts';
import { reply, startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { service, text } from './service.ts';

let good: TestServer;
let evil: TestServer;

beforeAll(async () => {
  evil = await startTestServer([{ path: /.*/, handler: reply(200, 'evil') }]);
  good = await startTestServer([]);
});
afterAll(async () => {
  await good.close();
  await evil.close();
});
afterEach(() => {
  // The rule of every test here: whatever happened, the other host saw nothing.
  expect(evil.requests).toEqual([]);
  good.requests.length = 0;
  good.unexpected.length = 0;
  good.routes.length = 0;
});

async function refused(p: Promise<UpstreamResponse>): Promise<HubError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

describe('upstream origin', () => {
  it('refuses, before connecting, URLs a crafted path resolves to another host', async () => {
    const up = upstreamFor(service(`${good.url}/wms?map=x`));
    const evilHostPort = new URL(evil.url).host;
    const crafted = [
      `//${evilHostPort}/`, // protocol-relative
      `\\\\${evilHostPort}\\`, // backslashes: WHATWG URL treats them as slashes in http(s) URLs
      `/\\${evilHostPort}/`,
      `\\/${evilHostPort}/`,
      `http://${evilHostPort}/`,
      `HTTP://${evilHostPort.toUpperCase()}/`,
      `${good.url}@${evilHostPort}/`, // the registered host as user info
      `https://${new URL(good.url).host}/`, // same host and port, other scheme
      `http://localhost:${new URL(good.url).port}/`, // same server, another name: still another origin
    ];
    for (const path of crafted) {
      const url = new URL(path, good.url);
      const err = await refused(up.request({ url }));
      expect(err.code, path).toBe('upstream_refused');
      expect(err.message).toContain(url.host);
      expect(err.status).toBe(502);
      expect(err.message).toContain(up.service.id);
    }
    expect(good.requests).toEqual([]);
  });

  it('refuses user info even on the registered origin (it would become an Authorization header)', async () => {
    const up = upstreamFor(service(good.url));
    const url = new URL(good.url);
    url.username = 'admin';
    url.password = 'secret';
    expect((await refused(up.request({ url }))).code).toBe('upstream_refused');
    expect(good.requests).toEqual([]);
  });

  it('keeps encoded and odd paths on the registered host, verbatim', async () => {
    good.routes.push({ path: /.*/, handler: reply(200, 'ok') });
    const up = upstreamFor(service(good.url));
    const evilHost = new URL(evil.url).host;
    const paths = [
      `/%2F%2F${evilHost}/`, `/%5C%5C${evilHost}/`, `/@${evilHost}/`, `/..%2F..%2F${evilHost}`,
      `/ows?url=${encodeURIComponent(evil.url)}&next=${evil.url}/x`, `/%40${evilHost}`,
    ];
    for (const path of paths) {
      const res = await up.request({ url: new URL(path, good.url) });
      expect(await text(res.body)).toBe('ok');
    }
    // A URL built by concatenation still has the registered authority: the rest is only a path.
    const res = await up.request({ url: new URL(`${good.url}//${evilHost}/x`) });
    expect(await text(res.body)).toBe('ok');
    // "http:host" with the base's own scheme is a relative path (WHATWG URL), so it stays here too.
    const relative = await up.request({ url: new URL(`http:${evilHost}/`, good.url) });
    expect(await text(relative.body)).toBe('ok');
    expect(good.requests.map((r) => r.url)).toEqual([...paths, `//${evilHost}/x`, `/${evilHost}/`]);
  });

  it('follows redirects within the registered origin, at most 3', async () => {
    good.routes.push(
      { path: '/a', handler: reply(302, '', { location: '/b' }) },
      { path: '/b', handler: reply(301, '', { location: `${good.url}/c?x=1` }) },
      { path: '/c', handler: reply(200, 'final', { 'content-type': 'text/plain' }) },
    );
    const up = upstreamFor(service(good.url));
    const res = await up.request({ url: new URL('/a', good.url) });
    expect(res.status).toBe(200);
    expect(res.url.href).toBe(`${good.url}/c?x=1`);
    expect(await text(res.body)).toBe('final');
  });

  it('refuses a redirect loop after 3 hops', async () => {
    good.routes.push({ path: '/loop', handler: reply(302, '', { location: '/loop' }) });
    const up = upstreamFor(service(good.url));
    const err = await refused(up.request({ url: new URL('/loop', good.url) }));
    expect(err.code).toBe('upstream_refused');
    expect(err.message).toMatch(/more than 3 times/);
    expect(good.requests).toHaveLength(4);
  });

  it('refuses redirects to another port, host name, scheme, or through crafted Locations', async () => {
    const evilHost = new URL(evil.url).host;
    const goodPort = new URL(good.url).port;
    const locations = [
      evil.url + '/', `//${evilHost}/`, `\\\\${evilHost}/`, `/\\${evilHost}/`, `https://127.0.0.1:${goodPort}/`,
      `http://localhost:${goodPort}/`, `http://x@${evilHost}/`, `http://127.0.0.1:${goodPort}@${evilHost}/`,
    ];
    for (const [i, location] of locations.entries()) {
      good.routes.push({ path: `/r${i}`, handler: reply(302, '', { location }) });
    }
    const up = upstreamFor(service(good.url));
    for (const [i, location] of locations.entries()) {
      const err = await refused(up.request({ url: new URL(`/r${i}`, good.url) }));
      expect(err.code, location).toBe('upstream_refused');
      expect(err.message).toMatch(/redirect/);
    }
    expect(good.requests).toHaveLength(locations.length);
  });

  it('turns a POST into a GET on 303 and keeps it on 307', async () => {
    good.routes.push(
      { path: '/see', method: 'POST', handler: reply(303, '', { location: '/result' }) },
      { path: '/result', method: 'GET', handler: reply(200, 'result') },
      { path: '/tmp', method: 'POST', handler: reply(307, '', { location: '/post' }) },
      { path: '/post', method: 'POST', handler: (req, res) => { res.end(`got ${req.body}`); } },
    );
    const up = upstreamFor(service(good.url));
    const body = Buffer.from('<GetFeature/>');
    const a = await up.request({ url: new URL('/see', good.url), method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    expect(await text(a.body)).toBe('result');
    const b = await up.request({ url: new URL('/tmp', good.url), method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    expect(await text(b.body)).toBe('got <GetFeature/>');
    expect(good.unexpected).toEqual([]);
  });
});

describe('headers sent upstream', () => {
  it('forwardHeaders keeps the allow-list only', () => {
    const client = {
      Accept: 'image/png', 'accept-language': 'fr', 'accept-encoding': 'gzip', 'if-none-match': '"e"',
      'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT', range: 'bytes=0-9', 'if-range': '"e"', 'content-type': 'text/xml',
      authorization: 'Basic eDpt', cookie: 'session=1', 'x-moisson-key': 'mk_x', 'proxy-authorization': 'Basic x',
      host: 'evil.example', forwarded: 'for=1.2.3.4', 'x-forwarded-host': 'evil.example', 'user-agent': 'QGIS',
      'set-cookie': ['a=1'], connection: 'close', via: '1.1 x', referer: 'http://secret.example/',
    };
    expect(forwardHeaders(client)).toEqual({
      accept: 'image/png', 'accept-language': 'fr', 'accept-encoding': 'gzip', 'if-none-match': '"e"',
      'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT', range: 'bytes=0-9', 'if-range': '"e"', 'content-type': 'text/xml',
    });
  });

  it('sends the hub User-Agent and the service headers, never credentials a caller passes by mistake', async () => {
    good.routes.push({ path: '/h', handler: reply(200, 'ok') });
    const up = upstreamFor(service(good.url, { upstreamHeaders: { 'X-Api-Key': 'registered-secret' } }), { baseUrl: 'https://hub.example' });
    const res = await up.request({
      url: new URL('/h', good.url),
      headers: { accept: 'image/png', authorization: 'Basic Y2xpZW50', cookie: 'c=1', 'x-moisson-key': 'mk_client', host: 'evil.example' },
    });
    await text(res.body);
    const seen = good.requests[0].headers;
    expect(seen['user-agent']).toBe('moisson/0.1.0 (+https://hub.example)');
    expect(hubUserAgent('https://hub.example')).toBe(seen['user-agent']);
    expect(seen['x-api-key']).toBe('registered-secret');
    expect(seen.accept).toBe('image/png');
    expect(seen.host).toBe(new URL(good.url).host);
    for (const h of ['authorization', 'cookie', 'x-moisson-key']) expect(seen[h]).toBeUndefined();
  });

  it('uses the User-Agent a service sets (a tile policy may ask for a contact)', async () => {
    good.routes.push({ path: '/ua', handler: reply(200, 'ok') });
    const def = service(good.url);
    def.politeness.userAgent = 'moisson-test/1 (contact@example.org)';
    const res = await upstreamFor(def).request({ url: new URL('/ua', good.url) });
    await text(res.body);
    expect(good.requests[0].headers['user-agent']).toBe('moisson-test/1 (contact@example.org)');
  });

  it('passes the content encoding through untouched', async () => {
    const { gzipSync } = await import('node:zlib');
    const zipped = gzipSync('<WMS_Capabilities/>');
    good.routes.push({ path: '/gz', handler: reply(200, zipped as unknown as string, { 'content-encoding': 'gzip', 'content-type': 'text/xml' }) });
    const { decodedBody } = await import('../../../src/proxy/clients/upstream.ts');
    const up = upstreamFor(service(good.url));
    const raw = await up.request({ url: new URL('/gz', good.url), headers: { 'accept-encoding': 'gzip' } });
    const bytes: Buffer[] = [];
    for await (const c of raw.body) bytes.push(c);
    expect(Buffer.concat(bytes).equals(zipped)).toBe(true);
    const again = await up.request({ url: new URL('/gz', good.url), headers: { 'accept-encoding': 'gzip' } });
    expect(await text(decodedBody(again, 1000))).toBe('<WMS_Capabilities/>');
  });
});
