/**
 * The directories `/ows/{service}/-/` may forward (src/proxy/rewrite/paths.ts), without HTTP: what the
 * capabilities rewriter records, the two readings of a path, the bound per service. The HTTP side is in
 * ows-paths.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { capabilitiesRewriter } from '../../../src/proxy/rewrite/capabilities.ts';
import { allowedBy, directoryOf, DocumentPaths, MAX_DIRECTORIES } from '../../../src/proxy/rewrite/paths.ts';
import { UrlRewriter } from '../../../src/proxy/rewrite/urls.ts';
import { PathRule } from '../../../src/proxy/services/path-rule.ts';
import type { Admitted, ProxyDeps } from '../../../src/proxy/gate.ts';
import pino from 'pino';
import { OWS_FIXTURES } from './captured.ts';

const SWISSTOPO = 'https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml';

function rewriter(upstream: string): UrlRewriter {
  return new UrlRewriter({ upstream, hubBase: 'https://hub.example.org', serviceId: 'svc' });
}

describe('directoryOf', () => {
  it('cuts a template at the last / before its first placeholder, and a plain URL at its last /', () => {
    expect(directoryOf('/1.0.0/ch.are.alpenkonvention/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png'))
      .toBe('/1.0.0/ch.are.alpenkonvention/default/');
    expect(directoryOf('/1.0.0/{Layer}/default/{TileMatrix}.png')).toBe('/1.0.0/');
    expect(directoryOf('/tiles/x{TileMatrix}.png')).toBe('/tiles/');
    expect(directoryOf('/legends/roads.png')).toBe('/legends/');
    expect(directoryOf('/styles/')).toBe('/styles/');
    // A path in the root directory opens itself and its subtree, not the origin; a template at the root opens it.
    expect(directoryOf('/wmts')).toBe('/wmts/');
    expect(allowedBy('/wmts')).toEqual({ directory: '/wmts/', exact: '/wmts' });
    expect(allowedBy('/geoserver/')).toEqual({ directory: '/geoserver/' });
    expect(allowedBy('/{z}/{x}/{y}.png')).toEqual({ directory: '/' });
    expect(allowedBy('/')).toEqual({ directory: '/' });
  });
});

describe('DocumentPaths', () => {
  const registered = 'https://data.example.org/geo/wmts?SERVICE=WMTS';

  it('allows the registered directory from the start, and what a complete capabilities document recorded', () => {
    const paths = new DocumentPaths();
    expect(paths.allows('svc', registered, '/geo/static/a.sld')).toBe(true);
    expect(paths.allows('svc', registered, '/tiles/1.0.0/roads/default/3857/1/2/3.png')).toBe(false);
    expect(paths.isRead('svc', registered)).toBe(false);
    const recorder = paths.recorder('svc', registered);
    recorder.seen('/tiles/1.0.0/roads/default/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.png');
    recorder.complete();
    expect(paths.isRead('svc', registered)).toBe(true);
    expect(paths.allows('svc', registered, '/tiles/1.0.0/roads/default/3857/1/2/3.png')).toBe(true);
    expect(paths.allows('svc', registered, '/tiles/1.0.0/roads/other.png')).toBe(false);
    // Kept apart by service id and by registered URL.
    expect(paths.allows('other', registered, '/tiles/1.0.0/roads/default/3857/1/2/3.png')).toBe(false);
    expect(paths.allows('svc', 'https://data.example.org/geo2/wmts', '/tiles/1.0.0/roads/default/3857/1/2/3.png')).toBe(false);
  });

  it('opens only the endpoint and its subtree for a service at the root of its host, and for a root-level link', () => {
    const paths = new DocumentPaths();
    const root = 'https://data.example.org/wmts?SERVICE=WMTS';
    for (const p of ['/wmts', '/wmts/', '/wmts/1.0.0/roads/1/2/3.png']) expect(paths.allows('svc', root, p), p).toBe(true);
    for (const p of ['/', '/admin', '/wmtsx', '/other-api/v1/keys', '/wmts%2F..%2Fadmin', '/wmts/../admin']) expect(paths.allows('svc', root, p), p).toBe(false);
    paths.recorder('svc', root).seen('/geoserver');
    expect(paths.allows('svc', root, '/geoserver')).toBe(true);
    expect(paths.allows('svc', root, '/geoserver/wms')).toBe(true);
    expect(paths.allows('svc', root, '/geonetwork/srv/api')).toBe(false);
  });

  it('decides on both readings: an encoded slash never widens a directory, decoded dots never leave one', () => {
    const paths = new DocumentPaths();
    paths.recorder('svc', registered).seen('/legends/roads.png');
    const allowed = (p: string) => paths.allows('svc', registered, p);
    expect(allowed('/legends/sub/a%20b.png')).toBe(true);
    expect(allowed('/legends/%72oads.png')).toBe(true); // decoded: /legends/roads.png
    expect(allowed('/legends%2Froads.png')).toBe(false);
    expect(allowed('/legends/..%2Fadmin')).toBe(false);
    expect(allowed('/legends/a%2F..%2Fb.png')).toBe(true); // decoded: /legends/b.png
    expect(allowed('/legends/a%2F%2F..%2F..%2Fadmin')).toBe(false);
    expect(allowed('/legends/..%5Cadmin')).toBe(false);
    expect(allowed('/legends/..;jsessionid=1/admin')).toBe(false);
    expect(allowed('/legends/%E9%')).toBe(false);
    expect(allowed('/Legends/roads.png')).toBe(false);
  });

  it(`records at most ${MAX_DIRECTORIES} directories per service, and says when it refused more`, () => {
    const paths = new DocumentPaths();
    const recorder = paths.recorder('svc', registered);
    for (let i = 0; i < MAX_DIRECTORIES + 5; i++) recorder.seen(`/layers/l${i}/{TileMatrix}.png`);
    // The registered directory counts as one.
    expect(paths.allows('svc', registered, `/layers/l${MAX_DIRECTORIES - 2}/1.png`)).toBe(true);
    expect(paths.allows('svc', registered, `/layers/l${MAX_DIRECTORIES - 1}/1.png`)).toBe(false);
    expect(paths.isFull('svc', registered)).toBe(true);
  });
});

describe('the capabilities rewriter records the paths it sends under /-/', () => {
  it('reports every /-/ path of swisstopo (not the registered endpoint), complete only at the end of the document', async () => {
    const seen: string[] = [];
    let complete = 0;
    const recorder = { seen: (p: string) => { seen.push(p); }, complete: () => { complete++; } };
    const bytes = readFileSync(new URL('wmts/swisstopo-wmts-3857.xml', OWS_FIXTURES));
    // A document cut short (a client gone, an upstream failing) is not complete.
    const half = Readable.from([bytes.subarray(0, bytes.length / 2)]);
    await expect(buffer(half.pipe(capabilitiesRewriter(rewriter(SWISSTOPO), recorder)))).rejects.toThrow(/not well-formed/);
    expect(complete).toBe(0);
    seen.length = 0;
    await buffer(Readable.from([bytes]).pipe(capabilitiesRewriter(rewriter(SWISSTOPO), recorder)));
    expect(complete).toBe(1);
    expect(seen).toContain('/1.0.0/ch.are.alpenkonvention/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png');
    expect(seen.filter((p) => p === '/EPSG/3857/1.0.0/WMTSCapabilities.xml')).toEqual([]);
    expect(new Set(seen.map(directoryOf)).size).toBeGreaterThan(600);
  });

  it('reports nothing from a rewriter that was not asked to', () => {
    const seen: string[] = [];
    const rw = rewriter('https://wms.example.com/wms');
    expect(rw.rewrite('https://wms.example.com/legend.png')).toBe('https://hub.example.org/ows/svc/-/legend.png');
    const reporting = rw.reporting((p) => seen.push(p));
    expect(reporting.rewrite('https://wms.example.com/legend.png')).toBe('https://hub.example.org/ows/svc/-/legend.png');
    expect(reporting.rewrite('https://wms.example.com/wms?SERVICE=WMS')).toBe('https://hub.example.org/ows/svc?SERVICE=WMS');
    expect(reporting.rewriteEndpoint('https://wms.example.com/rest/')).toBe('https://hub.example.org/ows/svc/-/rest/');
    expect(seen).toEqual(['/legend.png', '/rest/']);
  });
});

describe('PathRule', () => {
  /** A rule whose "documents" are a list the test changes, read as a real subclass reads them. */
  class ListedPaths extends PathRule {
    linked: string[] = ['/tiles/a/'];
    reads = 0;
    protected async read(admitted: Admitted): Promise<void> {
      this.reads += 1;
      const recorder = this.documents.recorder(admitted.service.id, admitted.service.url);
      for (const p of this.linked) recorder.seen(p);
      recorder.complete();
    }
  }
  const deps = { logger: pino({ level: 'silent' }) } as unknown as ProxyDeps;
  const admitted = { service: { id: 'svc', url: 'https://data.example.org/geo/wmts' } } as unknown as Admitted;
  const at = (p: string) => new URL(`https://data.example.org${p}`);

  it('reads the documents once for a path they do not open, and again only after the re-read delay', async () => {
    const rule = new ListedPaths(deps, { route: 'ows', documents: 'documents', home: 'h', linkers: 'l' }, 200);
    await rule.check(admitted, at('/tiles/a/1.png'));
    expect(rule.reads).toBe(1);
    // The upstream adds a directory: refused until the last read is older than the delay, then found.
    rule.linked.push('/tiles/b/');
    await Promise.all([1, 2, 3].map(async () => expect(rule.check(admitted, at('/tiles/b/1.png'))).rejects.toMatchObject({ code: 'forbidden' })));
    expect(rule.reads).toBe(1);
    await new Promise((r) => setTimeout(r, 250));
    await Promise.all([1, 2, 3].map(() => rule.check(admitted, at('/tiles/b/1.png'))));
    expect(rule.reads).toBe(2);
    await expect(rule.check(admitted, at('/elsewhere/x'))).rejects.toThrow(/The path \/elsewhere\/x is not one the documents of service "svc" point at/);
    expect(rule.reads).toBe(2);
  });
});
