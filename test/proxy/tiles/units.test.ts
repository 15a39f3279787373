/**
 * The pure parts of the tile service: tile paths, range checks, upstream URLs per protocol (xyz, tms with
 * flipped rows, WMTS REST templates with dimensions, WMTS KVP), upstream WMTS capabilities read from real
 * captured documents (../shared/fixtures/ows/wmts: swisstopo, IGN), and the disk format of the cache.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HubError } from '../../../src/errors.ts';
import { checkTileInRange, googleMapsCompatible, parseTilePath } from '../../../src/proxy/services/tiles-grid.ts';
import { readWmtsCapabilities } from '../../../src/proxy/services/tiles-wmts.ts';
import { readTile, streamTile, writeTile, etagOf } from '../../../src/proxy/caches/tile-file.ts';
import { parseSeedArgs } from '../../../src/proxy/services/tiles-seed.ts';
import { tileLayers, wmtsCapabilitiesUrl } from '../../../src/proxy/services/tiles-source.ts';
import type { Upstream } from '../../../src/proxy/clients/upstream.ts';
import { tileService } from './hub.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures/ows/wmts');

function thrown(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected a HubError');
}

describe('tile paths', () => {
  it('parses a tile path and refuses bad segments, naming them', () => {
    expect(parseTilePath('osm/standard/GoogleMapsCompatible/12/2074/1409.png'.split('/')))
      .toEqual({ service: 'osm', layer: 'standard', matrixSet: 'GoogleMapsCompatible', z: 12, x: 2074, y: 1409, ext: 'png' });
    expect(thrown(() => parseTilePath('osm/standard/GoogleMapsCompatible/12/2074'.split('/'))).locator).toBe('path');
    expect(thrown(() => parseTilePath('osm/%2e%2e/GoogleMapsCompatible/1/0/0.png'.split('/'))).locator).toBe('layer');
    expect(thrown(() => parseTilePath('osm/a/b/1/0x1/0.png'.split('/'))).locator).toBe('x');
    expect(thrown(() => parseTilePath('osm/a/b/1/0/0.png.png'.split('/'))).locator).toBe('y');
  });

  it('checks zoom, column and row against the matrix set and the layer range', () => {
    const gmc = googleMapsCompatible(19);
    const t = (z: number, x: number, y: number) => ({ service: 's', layer: 'l', matrixSet: 'GoogleMapsCompatible', z, x, y, ext: 'png' });
    expect(checkTileInRange(t(19, 2 ** 19 - 1, 0), gmc, { min: 0, max: 19 }).matrixWidth).toBe(2 ** 19);
    expect(thrown(() => checkTileInRange(t(20, 0, 0), gmc, { min: 0, max: 22 })).locator).toBe('z');
    expect(thrown(() => checkTileInRange(t(3, 0, 0), gmc, { min: 5, max: 19 })).locator).toBe('z');
    expect(thrown(() => checkTileInRange(t(3, 8, 0), gmc, { min: 0, max: 19 })).locator).toBe('x');
    expect(thrown(() => checkTileInRange(t(3, 0, 8), gmc, { min: 0, max: 19 })).locator).toBe('y');
  });

  it('reads seeding arguments and says what is wrong with bad ones', () => {
    expect(parseSeedArgs('5.9,45.8,10.5,47.8', '0-8')).toEqual({ bbox: [5.9, 45.8, 10.5, 47.8], zoom: { from: 0, to: 8 } });
    expect(parseSeedArgs('-5,41,10,51', '7').zoom).toEqual({ from: 7, to: 7 });
    expect(thrown(() => parseSeedArgs('10,45,5,47', '0-2')).message).toMatch(/--bbox "10,45,5,47"/);
    expect(thrown(() => parseSeedArgs('5,45,10,47', '8-2')).message).toMatch(/--zoom "8-2"/);
  });
});

/** An Upstream that answers one document to every request (the URL building is what is tested). */
function fixedUpstream(service: ReturnType<typeof tileService>, body: Buffer | null): Upstream {
  return {
    service,
    request: async (req) => ({ status: 200, headers: {}, url: req.url,
      body: Readable.from(body ? [body] : []) as unknown as NodeJS.ReadableStream & AsyncIterable<Buffer> }),
  };
}

describe('upstream tile URLs', () => {
  it('fills xyz templates and flips TMS rows ({-y})', async () => {
    const svc = tileService('t', 'https://tiles.example.org/base/', { protocol: 'tms',
      layers: [{ id: 'a', template: 'a/{z}/{x}/{-y}.png' }, { id: 'b', template: '{z}/{x}/{y}.jpg?style=x', format: 'image/jpeg' }] });
    const layers = await tileLayers(fixedUpstream(svc, null));
    const a = layers.get('a')!;
    expect(a.url(a.matrixSets[0], 3, 2, 1, 'image/png').href).toBe('https://tiles.example.org/base/a/3/2/6.png');
    const b = layers.get('b')!;
    expect(b.url(b.matrixSets[0], 3, 2, 1, 'image/jpeg').href).toBe('https://tiles.example.org/base/3/2/1.jpg?style=x');
  });

  it('reads swisstopo capabilities (650 layers, Time dimension) and fills their REST templates', async () => {
    const svc = tileService('swisstopo', 'https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml', { protocol: 'wmts', layers: undefined });
    expect(wmtsCapabilitiesUrl(svc).href).toBe(svc.url);
    const layers = await tileLayers(fixedUpstream(svc, await readFile(path.join(FIXTURES, 'swisstopo-wmts-3857.xml'))));
    expect(layers.size).toBeGreaterThan(600);
    const l = layers.get('ch.are.alpenkonvention')!;
    expect(l.formats).toEqual(['image/png']);
    const set = l.matrixSets[0];
    expect(set.id).toBe('3857_18');
    expect(set.levels).toHaveLength(19);
    expect(l.url(set, 8, 133, 90, 'image/png').href)
      .toBe(`https://wmts.geo.admin.ch/1.0.0/ch.are.alpenkonvention/default/current/3857/${set.levels[8].id}/133/90.png`);
  });

  it('uses GetTile KVP on the registered URL when the upstream has no REST template (IGN)', async () => {
    const svc = tileService('ign', 'https://wxs.ign.fr/geoportail/wmts?apikey=k', { protocol: 'wmts', layers: undefined });
    expect(wmtsCapabilitiesUrl(svc).search).toBe('?apikey=k&SERVICE=WMTS&REQUEST=GetCapabilities&VERSION=1.0.0');
    const layers = await tileLayers(fixedUpstream(svc, await readFile(path.join(FIXTURES, 'ign-wmts.xml'))));
    const [first] = layers.values();
    const set = first.matrixSets[0];
    const url = first.url(set, 5, 16, 11, first.formats[0]);
    expect(url.origin + url.pathname).toBe('https://wxs.ign.fr/geoportail/wmts');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ apikey: 'k', SERVICE: 'WMTS', REQUEST: 'GetTile', LAYER: first.id,
      TILEMATRIXSET: set.id, TILEMATRIX: set.levels[5].id, TILEROW: '11', TILECOL: '16' });
  });

  it('refuses a document that is not WMTS capabilities', async () => {
    await expect(readWmtsCapabilities(Readable.from([Buffer.from('<html><body>maintenance</body></html>')]), 'x'))
      .rejects.toThrow(/did not answer a WMTS 1.0.0 capabilities document \(root html\)/);
    await expect(readWmtsCapabilities(Readable.from([Buffer.from('<Capabilities xmlns="http://www.opengis.net/wmts/1.0"><Contents>')]), 'x'))
      .rejects.toThrow(/not well-formed/);
  });
});

describe('tile files', () => {
  it('writes bytes and metadata in one file, reads them back whole or streamed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moisson-tilefile-'));
    try {
      const file = path.join(dir, 'a', '1', '2', '3.png');
      const body = Buffer.alloc(200_000, 7);
      const meta = { etag: etagOf(body), lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT', contentType: 'image/png', upstreamEtag: '"u"' };
      await writeTile(file, meta, body);
      const whole = await readTile(file, 1_000_000);
      expect(whole?.meta).toEqual(meta);
      expect(whole?.body?.equals(body)).toBe(true);
      const big = await readTile(file, 1000);
      expect(big?.body).toBeNull();
      expect(big?.size).toBe(body.length);
      const s = await streamTile(file);
      const chunks: Buffer[] = [];
      for await (const c of s!.stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
      // A foreign or truncated file is not a tile: it is refetched, never served.
      await writeFile(file, 'garbage');
      expect(await readTile(file, 1000)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
