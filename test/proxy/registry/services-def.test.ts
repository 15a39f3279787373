import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSeedsDir } from '../../../src/config.ts';
import {
  InvalidServiceError, loadSeedServices, parseService, templateProblem, OSM_TILE_POLICY,
} from '../../../src/proxy/services-def.ts';

/** The problems parseService reports for `input` (fails the test when it accepts it). */
function problems(input: unknown): { path: string; message: string }[] {
  try {
    parseService(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidServiceError);
    return (err as InvalidServiceError).problems;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

const xyz = (extra: Record<string, unknown> = {}) =>
  ({ id: 'carto', protocol: 'xyz', url: 'https://tiles.example.org/base/', layers: [{ id: 'plan', template: '{z}/{x}/{y}.png' }], ...extra });

describe('service definitions', () => {
  it('fills in the defaults of the schema and those that depend on the protocol', () => {
    const wms = parseService({ id: 'w', protocol: 'wms', url: 'https://data.example.org/wms' });
    expect(wms).toEqual({
      id: 'w', protocol: 'wms', url: 'https://data.example.org/wms', enabled: true, access: 'public',
      politeness: { concurrency: 4, timeoutMs: 30000, maxBytes: 500_000_000 },
      cache: { tiles: false, maxAgeSeconds: 86400, staleIfError: true, seeding: false },
    });
    const tiles = parseService(xyz());
    expect(tiles.cache.tiles).toBe(true);
    expect(tiles.layers).toEqual([{ id: 'plan', template: '{z}/{x}/{y}.png', tileMatrixSet: 'GoogleMapsCompatible', format: 'image/png' }]);
    expect(parseService({ id: 'm', protocol: 'wmts', url: 'https://a.example/wmts' }).cache.tiles).toBe(true);
  });

  it('does not modify its input', () => {
    const input = xyz();
    const copy = structuredClone(input);
    parseService(input);
    expect(input).toEqual(copy);
  });

  it('ends a tms or xyz base URL with "/" so that templates resolve under it', () => {
    expect(parseService(xyz({ url: 'https://tiles.example.org/base' })).url).toBe('https://tiles.example.org/base/');
    expect(problems(xyz({ url: 'https://tiles.example.org/base?key=1' }))).toEqual([
      { path: 'url', message: expect.stringContaining('no query') },
    ]);
  });

  it('reports every schema problem at once, with its path and the allowed values', () => {
    const found = problems({ id: 'Bad Id', protocol: 'gopher', url: 3, politeness: { concurrency: 0 }, colour: 'red', layers: [{ template: 1 }] });
    expect(found).toEqual(expect.arrayContaining([
      { path: 'id', message: expect.stringContaining('pattern') },
      { path: 'protocol', message: expect.stringContaining('wms, wfs, wmts, tms, xyz, atom-download') },
      { path: 'url', message: 'must be string' },
      { path: 'politeness.concurrency', message: 'must be >= 1' },
      { path: '(service)', message: expect.stringContaining('(colour)') },
      { path: 'layers[0]', message: expect.stringContaining("'id'") },
      { path: 'layers[0].template', message: 'must be string' },
    ]));
  });

  it('refuses URLs that are not http(s), carry credentials or a fragment', () => {
    expect(problems({ id: 'a', protocol: 'wms', url: 'file:///etc/passwd' })).toEqual([{ path: 'url', message: 'must be an http(s) URL, got file:' }]);
    expect(problems({ id: 'a', protocol: 'wms', url: 'not a url' })[0].message).toContain('is not a URL');
    expect(problems({ id: 'a', protocol: 'wfs', url: 'https://user:pw@example.org/wfs' })[0].message).toContain('upstreamHeaders');
    expect(problems({ id: 'a', protocol: 'wfs', url: 'https://example.org/wfs#x' })[0].message).toContain('fragment');
  });

  it.each([
    ['https://evil.example/{z}/{x}/{y}.png', 'no scheme'],
    ['//evil.example/{z}/{x}/{y}.png', 'no leading'],
    ['/other/{z}/{x}/{y}.png', 'no leading'],
    ['../{z}/{x}/{y}.png', '".." segments'],
    ['a/./{z}/{x}/{y}.png', '".." segments'],
    ['%2e%2e/{z}/{x}/{y}.png', 'encoded'],
    ['a%2f..%2f{z}/{x}/{y}.png', 'encoded'],
    ['a\\..\\{z}/{x}/{y}.png', '"\\"'],
    ['javascript:{z}{x}{y}', 'no scheme'],
    ['{z}/{x}/{y}.png#frag', '"#"'],
    ['{z}/{x}.png', 'one of {y} or {-y}'],
    ['{z}/{x}/{y}/{-y}.png', 'one of {y} or {-y}'],
    ['{z}/{x}/{y}/{s}.png', 'unknown placeholder {s}'],
  ])('refuses the tile template %s (%s)', (template, why) => {
    expect(templateProblem(template, 'https://tiles.example.org/base/')).toContain(why);
    expect(problems(xyz({ layers: [{ id: 'plan', template }] }))).toEqual([{ path: 'layers[0].template', message: expect.stringContaining(why) }]);
  });

  it('accepts relative templates with a TMS row and a query', () => {
    expect(templateProblem('1.0.0/plan/{z}/{x}/{-y}.png', 'https://tiles.example.org/tms/')).toBeNull();
    expect(templateProblem('{z}/{x}/{y}.png?style=night', 'https://tiles.example.org/')).toBeNull();
  });

  it('checks layers against the protocol and each other', () => {
    expect(problems(xyz({ layers: [] }))).toEqual([{ path: 'layers', message: expect.stringContaining('at least one layer') }]);
    expect(problems(xyz({ layers: [{ id: 'plan' }] }))).toEqual([{ path: 'layers[0].template', message: expect.stringContaining('needs a template') }]);
    expect(problems(xyz({ layers: [{ id: 'a', template: '{z}/{x}/{y}.png' }, { id: 'a', template: '{z}/{x}/{y}.jpg', minZoom: 9, maxZoom: 3 }] })))
      .toEqual([{ path: 'layers[1].id', message: 'duplicate layer id "a"' }, { path: 'layers[1].minZoom', message: 'minZoom 9 is above maxZoom 3' }]);
    expect(problems({ id: 'w', protocol: 'wms', url: 'https://a.example/wms', layers: [{ id: 'x' }] })[0].path).toBe('layers');
    expect(problems({ id: 'w', protocol: 'wfs', url: 'https://a.example/wfs', cache: { tiles: true } })).toEqual([
      { path: 'cache.tiles', message: 'tile caching applies to wmts, tms and xyz services, not wfs' },
    ]);
  });

  it('refuses upstream headers the hub sets itself', () => {
    expect(problems({ id: 'w', protocol: 'wms', url: 'https://a.example/wms', upstreamHeaders: { Host: 'evil.example', 'x-api-key': 'k' } }))
      .toEqual([{ path: 'upstreamHeaders.Host', message: 'this header is set by the hub itself' }]);
  });

  describe('OpenStreetMap tile usage policy', () => {
    const osm = (cache?: Record<string, unknown>, url = 'https://tile.openstreetmap.org/') =>
      ({ id: 'osm', protocol: 'xyz', url, layers: [{ id: 'standard', template: '{z}/{x}/{y}.png' }], ...(cache ? { cache } : {}) });

    it('caches OpenStreetMap tiles 7 days by default, never seeded', () => {
      expect(parseService(osm()).cache).toEqual({ tiles: true, maxAgeSeconds: 604800, staleIfError: true, seeding: false });
    });

    it('refuses a shorter cache, no cache or seeding, citing the policy, on any *.openstreetmap.org host', () => {
      const found = problems(osm({ tiles: false, maxAgeSeconds: 3600, seeding: true }, 'https://a.tile.openstreetmap.org/'));
      expect(found.map((p) => p.path)).toEqual(['cache.tiles', 'cache.maxAgeSeconds', 'cache.seeding']);
      for (const p of found) expect(p.message).toContain(OSM_TILE_POLICY);
      expect(found[1].message).toContain('604800');
    });

    it('leaves other hosts free', () => {
      expect(parseService(osm({ maxAgeSeconds: 60 }, 'https://tile.openstreetmap.example/')).cache.maxAgeSeconds).toBe(60);
      expect(parseService(osm({ maxAgeSeconds: 60 }, 'https://openstreetmap.org.example.com/')).cache.maxAgeSeconds).toBe(60);
    });
  });
});

describe('seeds/services.json', () => {
  const seeds = loadSeedServices(defaultSeedsDir);
  const byId = new Map(seeds.map((s) => [s.id, s]));

  it('has OpenStreetMap standard tiles, enabled and within the tile policy', () => {
    const osm = byId.get('osm')!;
    expect(osm).toMatchObject({ protocol: 'xyz', url: 'https://tile.openstreetmap.org/', enabled: true, access: 'public',
      cache: { tiles: true, seeding: false }, politeness: { concurrency: 2 } });
    expect(osm.cache.maxAgeSeconds).toBeGreaterThanOrEqual(604800);
    expect(osm.layers).toEqual([expect.objectContaining({ id: 'standard', template: '{z}/{x}/{y}.png' })]);
    expect(osm.attribution?.title).toContain('OpenStreetMap');
  });

  it('has swisstopo WMTS enabled with attribution and no seeding, and the Géoplateforme disabled', () => {
    expect(byId.get('swisstopo')).toMatchObject({ protocol: 'wmts', url: 'https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml',
      enabled: true, cache: { seeding: false }, attribution: { title: expect.stringContaining('swisstopo') } });
    const geopf = seeds.filter((s) => s.id.startsWith('geoplateforme'));
    expect(geopf.map((s) => s.protocol).sort()).toEqual(['atom-download', 'wfs', 'wms', 'wms', 'wmts']);
    for (const s of geopf) expect(s.enabled).toBe(false);
    for (const s of seeds) expect(s.options?.provenance).toMatch(/SOURCES\.md #\d+/);
  });

  it('reports every problem of a bad seeds file at once, with the file and index', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-seeds-'));
    writeFileSync(path.join(dir, 'services.json'), JSON.stringify({ services: [
      { id: 'ok', protocol: 'wms', url: 'https://a.example/wms' },
      { id: 'ok', protocol: 'wms', url: 'https://b.example/wms' },
      { id: 'bad', protocol: 'wms', url: 'ftp://c.example' },
    ] }));
    expect(() => loadSeedServices(dir)).toThrow(InvalidServiceError);
    try {
      loadSeedServices(dir);
    } catch (err) {
      expect((err as InvalidServiceError).problems).toEqual([
        { path: 'services.json#services[1].id', message: 'duplicate id "ok"' },
        { path: 'services.json#services[2].url', message: 'must be an http(s) URL, got ftp:' },
      ]);
    }
    writeFileSync(path.join(dir, 'services.json'), '{"services": {}}');
    expect(() => loadSeedServices(dir)).toThrow(/must be an array/);
    writeFileSync(path.join(dir, 'services.json'), '{not json');
    expect(() => loadSeedServices(dir)).toThrow(/cannot read/);
  });
});
