/**
 * Streaming rewrite of INSPIRE Atom feeds (issue 6 §4) against the real feeds of ../shared/fixtures/atom
 * (TG Download Services 3.1 examples as kept by PDOK, and the captured Bavarian DGM200 service feed; see their
 * PROVENANCE.md): every link, id and OpenSearch template on the registered origin points at the hub, other hosts
 * are untouched, and the output is the same document otherwise.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../../mappings/xml/index.ts';
import { checksumOf, FeedRewriter, NS_ATOM, type AnnouncedFile } from '../../../src/proxy/services/download-feed.ts';
import { downloadUrls } from '../../../src/proxy/services/download-urls.ts';
import type { XmlElement } from '../../../mappings/xml/tree.ts';

const atomDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/atom');
const fixture = (name: string) => readFileSync(path.join(atomDir, name));
const HUB = 'https://hub.example.fr';

/** Runs bytes through a rewriter, `chunk` bytes at a time (1 = every boundary is crossed). */
async function rewrite(bytes: Buffer, serviceUrl: string, documentUrl = serviceUrl, chunk = 64 * 1024) {
  const links: AnnouncedFile[] = [];
  const rw = new FeedRewriter({ urls: downloadUrls(HUB, 'dls', serviceUrl), documentUrl: new URL(documentUrl), onLink: (f) => links.push(f) });
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  Readable.from(parts).pipe(rw);
  for await (const c of rw) out.push(c as Buffer);
  return { out: Buffer.concat(out), mode: await rw.mode, links };
}

function elements(el: XmlElement, out: XmlElement[] = []): XmlElement[] {
  out.push(el);
  for (const c of el.children) if (typeof c !== 'string') elements(c, out);
  return out;
}

/** Every href of atom:link, and the atom:id texts, of a parsed document. */
function locations(xml: Buffer): { hrefs: string[]; ids: string[] } {
  const all = elements(parseXml(xml).root);
  const hrefs = all.filter((e) => e.uri === NS_ATOM && e.local === 'link').map((e) => e.attributes.find((a) => a.local === 'href')!.value);
  const ids = all.filter((e) => e.uri === NS_ATOM && e.local === 'id').map((e) => (e.children as string[]).join('').trim());
  return { hrefs, ids };
}

describe('Atom feed rewriting', () => {
  it('points every link and id of the TG service feed on the registered origin at the hub, byte boundary after boundary', async () => {
    const src = fixture('inspire-tg-service-feed.xml');
    const whole = await rewrite(src, 'http://xyz.org/download/en.xml');
    const bytewise = await rewrite(src, 'http://xyz.org/download/en.xml', undefined, 1);
    expect(bytewise.out.equals(whole.out)).toBe(true);
    expect(whole.mode).toBe('rewrite');
    const { hrefs, ids } = locations(whole.out);
    const before = locations(src);
    expect(hrefs).toHaveLength(before.hrefs.length);
    // Every reference of the fixture is on xyz.org: none may be left pointing there.
    for (const h of [...hrefs, ...ids]) expect(h.startsWith(`${HUB}/download/dls`)).toBe(true);
    expect(hrefs).toContain(`${HUB}/download/dls`); // rel=self: the registered service feed itself
    expect(hrefs).toContain(`${HUB}/download/dls/-/data/waternetwork_feed.xml`);
    expect(hrefs).toContain(`${HUB}/download/dls/-/search/opensearchdescription.xml`);
    expect(hrefs).toContain(`${HUB}/download/dls/-/wfs?request=GetCapabilities&service=WFS&version=2.0.0`);
    expect(ids).toEqual([`${HUB}/download/dls`, `${HUB}/download/dls/-/data/waternetwork_feed.xml`]);
  });

  it('keeps what is not a location: identifiers, text, comments, namespaces', async () => {
    const { out } = await rewrite(fixture('inspire-tg-service-feed.xml'), 'http://xyz.org/download/en.xml');
    const text = out.toString('utf8');
    expect(text).toContain('<inspire_dls:spatial_dataset_identifier_namespace>http://xyz.org/</inspire_dls:spatial_dataset_identifier_namespace>');
    expect(text).toContain('<inspire_dls:spatial_dataset_identifier_code>wn_id1</inspire_dls:spatial_dataset_identifier_code>');
    expect(text).toContain('<!-- link to dataset metadata record -->');
    expect(text).toContain('<georss:polygon>47.202 5.755 55.183 5.755 55.183 15.253 47.202 15.253 47.202 5.755</georss:polygon>');
    expect(text).toContain('xmlns:inspire_dls="http://inspire.ec.europa.eu/schemas/inspire_dls/1.0"');
    const root = parseXml(out).root;
    expect(root.local).toBe('feed');
  });

  it('leaves links to other hosts unchanged (the Bavarian feed: CSW on geoportal.bayern.de, OpenSearch on port 8080)', async () => {
    const src = fixture('bavaria-dgm200-service-feed.xml');
    const { out } = await rewrite(src, 'http://www.weichand.de/inspire/dls/dgm200.xml');
    const { hrefs, ids } = locations(out);
    expect(hrefs).toContain('http://not.implemented.yet');
    expect(hrefs).toContain('http://www.weichand.de:8080/opensearchdls/dgm200'); // another port is another origin
    expect(hrefs.find((h) => h.startsWith('http://geoportal.bayern.de/csw/bvv?REQUEST=GetRecordById'))).toBeDefined();
    expect(hrefs).toContain(`${HUB}/download/dls`);
    expect(hrefs).toContain(`${HUB}/download/dls/-/inspire/dls/dgm200.DEBY_1d4ab890-27e7-3ebb-95ba-2d2ab8071871.xml`);
    expect(ids).toEqual([`${HUB}/download/dls`, `${HUB}/download/dls/-/inspire/dls/dgm200.DEBY_1d4ab890-27e7-3ebb-95ba-2d2ab8071871`]);
    // Non-ASCII text survives the decode / re-encode.
    expect(out.toString('utf8')).toContain('Jürgen Weichand');
  });

  it('reports each file link of a dataset feed with the length it announces', async () => {
    const { out, links } = await rewrite(fixture('inspire-tg-dataset-feed.xml'), 'http://xyz.org/download/en.xml', 'http://xyz.org/data/abc/en.xml');
    const gml = links.find((l) => l.url.href === 'http://xyz.org/data/abc/waternetwork_25832.gml');
    expect(gml).toEqual({ url: new URL('http://xyz.org/data/abc/waternetwork_25832.gml'), type: 'application/gml+xml;version=3.2', length: 34987 });
    expect(links.filter((l) => l.length !== undefined)).toHaveLength(4);
    const { hrefs } = locations(out);
    expect(hrefs).toContain(`${HUB}/download/dls/-/data/abc/waternetwork_WGS84.zip`);
    expect(hrefs).toContain('http://inspireregistry.jrc.ec.europa.eu/registers/FCD/items/105');
    expect(hrefs).toContain(`${HUB}/download/dls`); // rel=up: the service feed
  });

  it('resolves relative references against xml:base and the document URL', async () => {
    const feed = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Donn\xe9es</title>
<link rel="alternate" href="files/a.zip"/>
<entry xml:base="/other/"><link href="b.zip"/><id>urn:uuid:1</id></entry>
<link href="/x.gml" title="GML (SHA-256: ${'ab'.repeat(32)})"/>
</feed>`, 'latin1');
    const { out, links } = await rewrite(feed, 'http://up.test/feeds/service.xml', 'http://up.test/feeds/d.xml');
    const text = out.toString('utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(text).toContain('<title>Données</title>');
    expect(text).toContain(`href="${HUB}/download/dls/-/feeds/files/a.zip"`);
    expect(text).toContain(`xml:base="${HUB}/download/dls/-/other/"`);
    expect(text).toContain(`href="${HUB}/download/dls/-/other/b.zip"`);
    expect(text).toContain('<id>urn:uuid:1</id>');
    expect(links.find((l) => l.url.pathname === '/x.gml')?.checksum).toEqual({ algorithm: 'sha256', value: 'ab'.repeat(32) });
  });

  it('rewrites OpenSearch description templates, keeping their placeholders', async () => {
    const osd = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:inspire_dls="http://inspire.ec.europa.eu/schemas/inspire_dls/1.0">
<Url type="application/atom+xml" rel="results" template="http://up.test/search?q={searchTerms}&amp;c={inspire_dls:spatial_dataset_identifier_code?}"/>
<Url type="text/html" template="http://elsewhere.test/s/{searchTerms}"/>
<Query role="example" inspire_dls:spatial_dataset_identifier_namespace="http://up.test/" inspire_dls:spatial_dataset_identifier_code="x"/>
</OpenSearchDescription>`);
    const { out, mode } = await rewrite(osd, 'http://up.test/service.xml');
    expect(mode).toBe('rewrite');
    const text = out.toString('utf8');
    expect(text).toContain(`template="${HUB}/download/dls/-/search?q={searchTerms}&amp;c={inspire_dls:spatial_dataset_identifier_code?}"`);
    expect(text).toContain('template="http://elsewhere.test/s/{searchTerms}"');
    expect(text).toContain('inspire_dls:spatial_dataset_identifier_namespace="http://up.test/"');
  });

  it('passes XML that is not a feed byte for byte, and refuses nothing it does not parse', async () => {
    const gml = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2">'
      + '<link href="http://up.test/a"/>  &amp; <!-- kept --></gml:FeatureCollection>\n');
    const r = await rewrite(gml, 'http://up.test/service.xml', undefined, 7);
    expect(r.mode).toBe('verbatim');
    expect(r.out.equals(gml)).toBe(true);
    const bomb = Buffer.from('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom">&b;</feed>');
    const b = await rewrite(bomb, 'http://up.test/service.xml');
    expect(b.mode).toBe('verbatim'); // entities are never expanded; the bytes go through untouched
    expect(b.out.equals(bomb)).toBe(true);
  });

  it('fails a feed that is not well-formed, saying where', async () => {
    const bad = Buffer.from('<feed xmlns="http://www.w3.org/2005/Atom"><link href="http://up.test/a"></feed>');
    await expect(rewrite(bad, 'http://up.test/service.xml')).rejects.toThrow(/not well-formed XML \(line 1, column \d+\)/);
  });

  it('finds checksums written in titles or extra attributes, and nothing else', () => {
    expect(checksumOf(`title=Archive (MD5: ${'0f'.repeat(16)})`)).toEqual({ algorithm: 'md5', value: '0f'.repeat(16) });
    expect(checksumOf(`sha256=${'A1'.repeat(32)}`)).toEqual({ algorithm: 'sha256', value: 'a1'.repeat(32) });
    expect(checksumOf('title=Water network, 25832 (GML)')).toBeUndefined();
    expect(checksumOf(`title=sha256 ${'ab'.repeat(20)}`)).toBeUndefined(); // 40 hex digits are not a SHA-256
  });
});
