import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import { UrlRewriter } from '../../../src/proxy/rewrite/urls.ts';
import { capabilitiesRewriter } from '../../../src/proxy/rewrite/capabilities.ts';
import { peekRoot, withRewrittenRoot } from '../../../src/proxy/rewrite/root.ts';
import { CAPABILITIES, decodeCaptured } from './captured.ts';
import { documentUrls, hostOf } from './document-urls.ts';

const OWS = new URL('../../../../shared/fixtures/ows/', import.meta.url);
const HUB = 'https://hub.example.org';

function rewriter(upstream: string, key?: string): UrlRewriter {
  return new UrlRewriter({ upstream, hubBase: HUB, serviceId: 'svc', key });
}

/** Streams `bytes` through the capabilities rewriter in chunks of `size` bytes (boundaries anywhere). */
async function rewriteCaps(bytes: Buffer, rw: UrlRewriter, size = 997): Promise<string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return (await buffer(Readable.from(chunks).pipe(capabilitiesRewriter(rw)))).toString('utf8');
}

/** Element names in document order: the rewrite must not add, drop or rename anything. */
function elementNames(xml: string): string[] {
  const names: string[] = [];
  const p = new SaxesParser({ xmlns: false });
  p.on('opentag', (t) => names.push(t.name));
  p.write(xml).close();
  return names;
}

describe('UrlRewriter', () => {
  const rw = rewriter('https://wms.example.com/geoserver/wms?map=/srv/a.map');

  it('maps the registered endpoint to the hub KVP endpoint, keeping the ?…& form and dropping the registered parameters', () => {
    expect(rw.rewrite('https://wms.example.com/geoserver/wms?')).toBe(`${HUB}/ows/svc?`);
    expect(rw.rewrite('https://wms.example.com/geoserver/wms?SERVICE=WMS&')).toBe(`${HUB}/ows/svc?SERVICE=WMS&`);
    expect(rw.rewrite('https://wms.example.com/geoserver/wms?MAP=/srv/a.map&SERVICE=WMS')).toBe(`${HUB}/ows/svc?SERVICE=WMS`);
    expect(rw.rewrite('https://wms.example.com/geoserver/wms')).toBe(`${HUB}/ows/svc`);
    expect(rw.rewrite('https://wms.example.com/geoserver/wms/')).toBe(`${HUB}/ows/svc`);
  });

  it('recognises the other spellings of the origin: http, default port, upper-case host', () => {
    expect(rw.rewrite('http://wms.example.com/geoserver/wms?')).toBe(`${HUB}/ows/svc?`);
    expect(rw.rewrite('https://WMS.Example.COM:443/geoserver/wms?')).toBe(`${HUB}/ows/svc?`);
    expect(rw.rewrite('http://wms.example.com:80/legend.png')).toBe(`${HUB}/ows/svc/-/legend.png`);
    expect(rw.rewrite('https://wms.example.com:8443/geoserver/wms?')).toBeUndefined();
    expect(rw.rewrite('https://evil.example.com/geoserver/wms?')).toBeUndefined();
    expect(rw.rewrite('https://user@wms.example.com/geoserver/wms?')).toBeUndefined();
    expect(rw.rewrite('www.example.com')).toBeUndefined();
  });

  it('maps other paths of the origin under /-/ and keeps template placeholders unescaped', () => {
    expect(rw.rewrite('https://wms.example.com/1.0.0/lyr/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png'))
      .toBe(`${HUB}/ows/svc/-/1.0.0/lyr/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png`);
    expect(rw.rewrite('https://wms.example.com/styles/a.sld?v=2#x')).toBe(`${HUB}/ows/svc/-/styles/a.sld?v=2#x`);
  });

  it('carries the access key into every hub URL when the client used the query parameter', () => {
    const keyed = rewriter('https://wms.example.com/wms', 'mk_abc');
    expect(keyed.rewrite('https://wms.example.com/wms?')).toBe(`${HUB}/ows/svc?key=mk_abc&`);
    expect(keyed.rewrite('https://wms.example.com/wms?SERVICE=WMS&')).toBe(`${HUB}/ows/svc?key=mk_abc&SERVICE=WMS&`);
    expect(keyed.rewrite('https://wms.example.com/t/{TileMatrix}.png')).toBe(`${HUB}/ows/svc/-/t/{TileMatrix}.png?key=mk_abc`);
    expect(keyed.rewrite('https://wms.example.com/l.png?a=1')).toBe(`${HUB}/ows/svc/-/l.png?key=mk_abc&a=1`);
  });

  it('points an operation endpoint on another host at the hub, and leaves other foreign links alone', () => {
    expect(rw.rewriteEndpoint('https://k00364:6443/arcgis/WFSServer?')).toBe(`${HUB}/ows/svc?`);
    expect(rw.rewriteEndpoint('https://wms.example.com/rest/')).toBe(`${HUB}/ows/svc/-/rest/`);
    expect(rw.rewrite('https://catalogue.example.net/csw?id=1')).toBeUndefined();
  });
});


describe('capabilities rewriting of captured documents', () => {
  it.each(CAPABILITIES)('%s: every service URL points at the hub, nothing else changes', async (file, upstream) => {
    const bytes = readFileSync(new URL(file, OWS));
    const original = decodeCaptured(file, bytes);
    const out = await rewriteCaps(bytes, rewriter(upstream));
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(original.replace(/^\uFEFF/, '').startsWith('<?xml'));
    expect(elementNames(out)).toEqual(elementNames(original));
    const urls = documentUrls(out);
    const upstreamHost = hostOf(upstream);
    expect(urls.filter((u) => hostOf(u.url) === upstreamHost)).toEqual([]);
    const service = urls.filter((u) => u.kind === 'dcp' || u.kind === 'template');
    expect(service.length).toBeGreaterThan(0);
    expect(service.filter((u) => !u.url.startsWith(`${HUB}/ows/svc`))).toEqual([]);
    // As many links as before: none lost, none invented.
    expect(urls.length).toBe(documentUrls(original).length);
  });

  it('keeps foreign links (catalogue MetadataURL, provider site) as they are', async () => {
    const out = await rewriteCaps(readFileSync(new URL('wms/brgm-wms-1.3.0.xml', OWS)), rewriter('http://geoservices.brgm.fr/geologie?language=fre'));
    expect(out).toContain('xlink:href="http://www.geocatalogue.fr/api-public/servicesRest?Service=CSW&amp;Request=GetRecordById');
    expect(out).toContain('xlink:href="http://mapsref.brgm.fr/legendes/brgm_logo.png"');
    expect(out).toContain(`xlink:href="${HUB}/ows/svc?"`);
  });

  it('rewrites WMTS ResourceURL templates with their placeholders and the key of a query-parameter client', async () => {
    const out = await rewriteCaps(readFileSync(new URL('wmts/swisstopo-wmts-3857.xml', OWS)),
      rewriter('https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml', 'mk_secret'));
    expect(out).toContain(`template="${HUB}/ows/svc/-/1.0.0/ch.are.alpenkonvention/default/{Time}/3857/{TileMatrix}/{TileCol}/{TileRow}.png?key=mk_secret"`);
    expect(out).toContain(`<ows:Get xlink:href="${HUB}/ows/svc?key=mk_secret&amp;lang=en">`);
    expect(out).toContain('xlink:href="https://api3.geo.admin.ch/static/images/legends/');
  });

  it('rewrites URLs in character data (ows:Constraint values, inspire_common:URL), not names or identifiers', async () => {
    const doc = `<?xml version="1.0"?><Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1"
 xmlns:ic="http://inspire.ec.europa.eu/schemas/common/1.0"><ows:OperationsMetadata><ows:Operation name="GetTile"><ows:Constraint name="X">
<ows:AllowedValues><ows:Value> https://tiles.example.com/extra/info.xml </ows:Value></ows:AllowedValues></ows:Constraint></ows:Operation>
</ows:OperationsMetadata><ic:MetadataUrl><ic:URL>https://tiles.example.com/csw?id=1</ic:URL></ic:MetadataUrl>
<ows:Identifier>https://tiles.example.com/ids/layer</ows:Identifier><ic:Namespace>https://tiles.example.com/</ic:Namespace>
<ows:Abstract>Served by https://tiles.example.com/wmts since 2020</ows:Abstract><!-- https://tiles.example.com/comment --></Capabilities>`;
    const out = await rewriteCaps(Buffer.from(doc), rewriter('https://tiles.example.com/wmts'), 13);
    expect(out).toContain(`<ows:Value> ${HUB}/ows/svc/-/extra/info.xml </ows:Value>`);
    expect(out).toContain(`<ic:URL>${HUB}/ows/svc/-/csw?id=1</ic:URL>`);
    expect(out).toContain('<ows:Identifier>https://tiles.example.com/ids/layer</ows:Identifier>');
    expect(out).toContain('<ic:Namespace>https://tiles.example.com/</ic:Namespace>');
    expect(out).toContain('<ows:Abstract>Served by https://tiles.example.com/wmts since 2020</ows:Abstract>');
    expect(out).toContain('<!-- https://tiles.example.com/comment -->');
  });

  it('rewrites a 1.5 MB capabilities document in a stream, quickly', async () => {
    const bytes = readFileSync(new URL('wmts/swisstopo-wmts-3857.xml', OWS));
    const t0 = performance.now();
    const out = await rewriteCaps(bytes, rewriter('https://wmts.geo.admin.ch/EPSG/3857/1.0.0/WMTSCapabilities.xml'), 64 * 1024);
    const ms = performance.now() - t0;
    console.log(`swisstopo WMTS capabilities (${(bytes.length / 1e6).toFixed(2)} MB) rewritten in ${ms.toFixed(0)} ms`);
    expect(out.length).toBeGreaterThan(bytes.length * 0.9);
    expect(ms).toBeLessThan(3000);
  });

  it('fails the stream on a document that is not well-formed', async () => {
    const bad = readFileSync(new URL('../csw/../bad/csw-capabilities-truncated.xml', OWS));
    await expect(rewriteCaps(bad, rewriter('https://x.example.com/csw'))).rejects.toThrow(/not well-formed/);
  });
});

const FEATURES = (prolog: string) => Buffer.from(`${prolog}<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:app="http://www.example.com/app"
 xsi:schemaLocation="http://www.example.com/app https://wfs.example.com/geoserver/wfs?service=WFS&amp;version=2.0.0&amp;request=DescribeFeatureType&amp;typeName=app%3Aroads http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"
 numberMatched="20" numberReturned="10" next="https://wfs.example.com/geoserver/wfs?SERVICE=WFS&amp;REQUEST=GetFeature&amp;STARTINDEX=10&amp;COUNT=10">
 <wfs:member><app:road gml:id="r.1" xmlns:gml="http://www.opengis.net/gml/3.2"><app:name>Rue de l'Église — ça &amp; là</app:name><app:link>https://wfs.example.com/untouched</app:link></app:road></wfs:member>
</wfs:FeatureCollection>
`, 'utf8');

async function rewriteRoot(bytes: Buffer, size: number, key?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const peeked = await peekRoot(Readable.from(chunks));
  expect(peeked.tag?.local).toBe('FeatureCollection');
  return buffer(Readable.from(withRewrittenRoot(peeked, rewriter('https://wfs.example.com/geoserver/wfs', key))));
}

describe('GetFeature root rewriting', () => {
  it.each([7, 64, 100_000])('rewrites next and schemaLocation only, the rest byte for byte (chunks of %i bytes)', async (size) => {
    const input = FEATURES('<?xml version="1.0" encoding="UTF-8"?>\n<!-- commentaire accentué : é à ü -->\n');
    const out = (await rewriteRoot(input, size)).toString('utf8');
    const urls = documentUrls(out);
    expect(urls.find((u) => u.kind === 'paging')?.url).toBe(`${HUB}/ows/svc?SERVICE=WFS&REQUEST=GetFeature&STARTINDEX=10&COUNT=10`);
    expect(urls.filter((u) => u.kind === 'schemaLocation').map((u) => u.url))
      .toEqual([`${HUB}/ows/svc?service=WFS&version=2.0.0&request=DescribeFeatureType&typeName=app%3Aroads`, 'http://schemas.opengis.net/wfs/2.0/wfs.xsd']);
    // Below the root start tag: the upstream's bytes, even a link on the upstream's host.
    const tail = (s: string) => s.slice(s.indexOf('<wfs:member>'));
    expect(tail(out)).toBe(tail(input.toString('utf8')));
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- commentaire accentué : é à ü -->\n<wfs:FeatureCollection ')).toBe(true);
  });

  it('works on single-byte encodings without changing their bytes', async () => {
    const input = Buffer.from(FEATURES('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- é -->\n').toString('utf8').replace(' — ', ' - '), 'latin1');
    const out = await rewriteRoot(input, 50, 'k1');
    expect(out.toString('latin1')).toContain(`next="${HUB}/ows/svc?key=k1&amp;SERVICE=WFS&amp;REQUEST=GetFeature`);
    expect(out.subarray(out.indexOf('<wfs:member>'))).toEqual(input.subarray(input.indexOf('<wfs:member>')));
  });
});
