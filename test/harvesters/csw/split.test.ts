import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGetRecords, readGetRecords, readXml, recordDocument, type GetRecordsPage } from '../../../harvesters/csw/responses.ts';
import { PageSplitter, splitGetRecords, XML_DECLARATION, type PageRecord } from '../../../harvesters/csw/split.ts';
import type { FetchResponse } from '../../../harvesters/http.ts';
import { mapDocument } from '../../../mappings/index.ts';
import { decodeXml, decodeXmlPieces, elements, first, inScopeNamespaces, parseXml, type XmlElement } from '../../../mappings/xml/index.ts';
import { CSW_FIXTURES, fixture } from './csw-server.ts';

const CSW = 'http://www.opengis.net/cat/csw/2.0.2';
const GMD = 'http://www.isotc211.org/2005/gmd';
const GCO = 'http://www.isotc211.org/2005/gco';
const URL = 'http://csw.test/csw';

/** Every real GetRecords page of the shared fixtures (ISO, Dublin Core, DCAT). */
const PAGES = ['getrecords-iso', 'getrecords-dc', 'getrecords-dcat'].flatMap((dir) =>
  readdirSync(`${CSW_FIXTURES}/${dir}`).filter((f) => f.endsWith('.xml')).map((f) => `${dir}/${f}`));

function answer(body: Buffer | string, mediaType = 'application/xml'): FetchResponse {
  return { url: URL, status: 200, headers: {}, body: Buffer.from(body), mediaType, fetchedAt: '2025-05-01T00:00:00Z' };
}

const split = (page: Buffer | string, trees = false): GetRecordsPage => {
  const out = splitGetRecords(typeof page === 'string' ? page : decodeXml(page).text, { trees });
  expect(out).toBeDefined();
  return out!;
};
const tree = (page: Buffer | string): GetRecordsPage => parseGetRecords(parseXml(page).root, URL);
const doc = (r: PageRecord, i: number) => recordDocument(r, r.id, URL, '2025-05-01T00:00:00Z', i + 1);
const withoutRecords = ({ records: _r, ...counts }: GetRecordsPage) => counts;

/** The wrapper's record elements, to know what each record inherits. */
function treeRecords(page: Buffer | string): XmlElement[] {
  return elements(first(parseXml(page).root, [CSW, 'SearchResults'])!);
}

/**
 * The record's text less what the split adds (the XML declaration, then ` xmlns:p="…"` for each binding of
 * the ancestors the record does not redeclare); throws when the added declarations are not exactly those.
 */
function unwrapped(r: PageRecord, el: XmlElement): string {
  const expected = new Map([...inScopeNamespaces(el.parent!)].filter(([p, uri]) => uri && !(p in (el.declarations ?? {}))));
  expect(r.xml.startsWith(XML_DECLARATION)).toBe(true);
  const body = r.xml.slice(XML_DECLARATION.length);
  const name = el.prefix ? `${el.prefix}:${el.local}` : el.local;
  expect(body.startsWith(`<${name}`)).toBe(true);
  let at = name.length + 1;
  const added = new Map<string, string>();
  const declaration = / xmlns(?::([\w.-]+))?="([^"]*)"/y;
  for (let m; (declaration.lastIndex = at, m = declaration.exec(body)) && expected.has(m[1] ?? '') && !added.has(m[1] ?? '');) {
    added.set(m[1] ?? '', m[2]);
    at = declaration.lastIndex;
  }
  expect(added).toEqual(expected);
  return `<${name}${body.slice(at)}`;
}

describe('splitGetRecords on the real GetRecords pages', () => {
  it.each(PAGES)('%s: same counts, ids and mapped records as the tree, verbatim well-formed records', (file) => {
    const bytes = fixture(file);
    const text = decodeXml(bytes).text;
    const [streamed, reference, els] = [split(bytes, true), tree(bytes), treeRecords(bytes)];
    expect(withoutRecords(streamed)).toEqual(withoutRecords(reference));
    // Without trees: the same records, ids and text, and no tree.
    const lean = split(bytes);
    expect(lean).toEqual({ ...streamed, records: streamed.records.map(({ root: _t, ...r }) => r) });
    expect(streamed.records.map((r) => [r.uri, r.local, r.id])).toEqual(reference.records.map((r) => [r.uri, r.local, r.id]));
    let from = 0;
    streamed.records.forEach((r, i) => {
      const standalone = parseXml(Buffer.from(r.xml, 'utf8')).root;
      expect([standalone.uri, standalone.local]).toEqual([r.uri, r.local]);
      // The tree made in the same pass is the one parseXml makes of the standalone record, lines included.
      expect(r.root).toEqual(standalone);
      const verbatim = unwrapped(r, els[i]);
      const at = text.indexOf(verbatim, from);
      expect(at).toBeGreaterThanOrEqual(from);
      from = at + verbatim.length;
      const [a, b] = [doc(r, i), doc(reference.records[i], i)];
      expect(a.parsed).toBe(r.root);
      expect(b.parsed).toBeUndefined();
      const { bytes: _a, parsed: _p, ...aMeta } = a;
      const { bytes: _b, ...bMeta } = b;
      expect(aMeta).toEqual(bMeta);
      expect(mapDocument(a)).toEqual(mapDocument(b));
    });
  });

  it.each(PAGES)('%s: read in pieces of any size, the same page as read whole', (file) => {
    const bytes = fixture(file);
    const whole = [split(bytes), split(bytes, true)];
    for (const size of [1, 7, 1000, 32 * 1024]) {
      for (const [k, trees] of [false, true].entries()) {
        expect(splitGetRecords(decodeXmlPieces(bytes, size), { trees }), `${size} bytes a piece, trees ${trees}`).toEqual(whole[k]);
      }
    }
  });

  it('finds records in every page that has some', () => {
    const counts = PAGES.map((f) => split(fixture(f)).records.length);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(PAGES.length / 2);
    expect(counts.reduce((a, b) => a + b)).toBeGreaterThan(40);
  });
});

const DC_PAGE = `<?xml version="1.0" encoding="UTF-8"?>
<GetRecordsResponse xmlns="${CSW}" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <SearchResults numberOfRecordsMatched="7" numberOfRecordsReturned="2" nextRecord="3">
    <Record><dc:identifier>a-1</dc:identifier><dc:title>Premier</dc:title><dc:type>dataset</dc:type></Record>
    <Record><dc:identifier> b-2 </dc:identifier><dc:title>Second</dc:title><dc:type>dataset</dc:type></Record>
  </SearchResults>
</GetRecordsResponse>`;

const isoRecord = (id: string, title: string, attrs = '') => `<gmd:MD_Metadata${attrs}>
  <gmd:fileIdentifier><gco:CharacterString>${id}</gco:CharacterString></gmd:fileIdentifier>
  <gmd:identificationInfo><gmd:MD_DataIdentification><gmd:citation><gmd:CI_Citation>
    <gmd:title><gco:CharacterString>${title}</gco:CharacterString></gmd:title>
  </gmd:CI_Citation></gmd:citation></gmd:MD_DataIdentification></gmd:identificationInfo>
</gmd:MD_Metadata>`;

const isoPage = (records: string, wrapper = `xmlns:gmd="${GMD}" xmlns:gco="${GCO}"`) => `<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="${CSW}" ${wrapper}>
<csw:SearchResults numberOfRecordsMatched="2" numberOfRecordsReturned="2" nextRecord="0">
${records}
</csw:SearchResults>
</csw:GetRecordsResponse>`;

describe('splitGetRecords on synthetic pages', () => {
  it('carries a default namespace declared on the wrapper into each record', () => {
    const page = split(DC_PAGE);
    expect(page).toMatchObject({ matched: 7, returned: 2, nextRecord: 3 });
    expect(page.records.map((r) => r.id)).toEqual(['a-1', 'b-2']);
    expect(page.records[0].xml).toBe(`${XML_DECLARATION}<Record xmlns="${CSW}" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier>a-1</dc:identifier><dc:title>Premier</dc:title><dc:type>dataset</dc:type></Record>`);
    expect(parseXml(page.records[1].xml).root).toMatchObject({ uri: CSW, local: 'Record' });
    expect(mapDocument(doc(page.records[1], 1))).toEqual(mapDocument(doc(tree(DC_PAGE).records[1], 1)));
  });

  it('keeps a prefix the record redeclares, and the nearest binding of the wrapper for the others', () => {
    const xml = isoPage(isoRecord('r-1', 'Un', ` xmlns:gmd="${GMD}"`), 'xmlns:gmd="urn:not-gmd" xmlns:gco="urn:old-gco"')
      .replace('<csw:SearchResults ', `<csw:SearchResults xmlns:gco="${GCO}" `);
    const [r] = split(xml).records;
    expect(r).toMatchObject({ uri: GMD, local: 'MD_Metadata', id: 'r-1' });
    expect(r.xml).toContain(`<gmd:MD_Metadata xmlns:csw="${CSW}" xmlns:gco="${GCO}" xmlns:gmd="${GMD}">`);
    expect(parseXml(r.xml).root).toMatchObject({ uri: GMD, declarations: { csw: CSW, gco: GCO, gmd: GMD } });
    expect(mapDocument(doc(r, 0))).toEqual(mapDocument(doc(tree(xml).records[0], 0)));
  });

  it('cuts records at the right offsets after multi-byte characters (BMP and astral), in any page encoding', async () => {
    const xml = isoPage(`${isoRecord('r-1', 'Île-de-France — ☃ 𝔘𝔫 😀')}\n${isoRecord('r-2', 'Second')}`);
    const page = split(xml);
    expect(page.records.map((r) => r.id)).toEqual(['r-1', 'r-2']);
    expect(page.records[1].xml).toBe(`${XML_DECLARATION}${isoRecord('r-2', 'Second', ` xmlns:csw="${CSW}" xmlns:gmd="${GMD}" xmlns:gco="${GCO}"`)}`);
    const latin1 = Buffer.from(isoPage(`${isoRecord('r-1', 'Forêt domaniale')}\n${isoRecord('r-2', 'Deuxième')}`)
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'latin1');
    const docs = (await readGetRecords(answer(latin1), URL)).records.map(doc);
    expect(docs.map((d) => mapDocument(d).record.title)).toEqual(['Forêt domaniale', 'Deuxième']);
    expect(docs[1].bytes.toString('utf8')).toContain('<gco:CharacterString>Deuxième</gco:CharacterString>');
  });

  it('lets go of the text of each record read, with or without trees, whatever the size of the pieces', () => {
    const records = Array.from({ length: 200 }, (_, i) => isoRecord(`r-${i}`, `Titre ${i} ${'é'.repeat(2000)}`)).join('\n');
    const page = isoPage(records);
    const recordLength = isoRecord('r-000', `Titre 000 ${'é'.repeat(2000)}`).length;
    for (const trees of [false, true]) {
      for (const pieceLength of [1000, recordLength, 3 * recordLength]) {
        let most = 0;
        let seen = 0;
        const splitter = new PageSplitter(trees, (r) => {
          seen++;
          return { uri: r.uri, local: r.local, xml: '' };
        });
        for (let at = 0; at < page.length; at += pieceLength) {
          splitter.feed(page.slice(at, at + pieceLength));
          most = Math.max(most, splitter.heldText);
        }
        expect(splitter.end()?.records).toHaveLength(200);
        expect(seen).toBe(200);
        // The record being read and the pieces it spans; the window held the whole page before (~400 records' worth).
        expect(most, `trees ${trees}, pieces of ${pieceLength}`).toBeLessThanOrEqual(2 * (recordLength + pieceLength));
      }
    }
  });

  it('keeps comments, CDATA, character references and a ">" in attribute values verbatim', () => {
    const record = `<gmd:MD_Metadata note="a > b &amp; c"><!-- <gmd:fileIdentifier> in a comment -->
  <gmd:fileIdentifier><gco:CharacterString><![CDATA[id-]]>&#x31;</gco:CharacterString></gmd:fileIdentifier>
</gmd:MD_Metadata>`;
    const [r, empty] = split(isoPage(`${record}<gmd:MD_Metadata/>`), true).records;
    expect(split(isoPage(`${record}<gmd:MD_Metadata/>`)).records[0].id).toBe('id-1');
    expect(r.id).toBe('id-1');
    expect(r.xml.endsWith(record.slice('<gmd:MD_Metadata'.length))).toBe(true);
    expect(r.root).toEqual(parseXml(r.xml).root);
    expect(empty).toMatchObject({ uri: GMD, local: 'MD_Metadata', xml: `${XML_DECLARATION}<gmd:MD_Metadata xmlns:csw="${CSW}" xmlns:gmd="${GMD}" xmlns:gco="${GCO}"/>` });
    expect(empty.root).toEqual(parseXml(empty.xml).root);
  });

  it('gives every element of the tree the line parseXml gives it in the standalone record', () => {
    const own = `\n  xmlns:csw="${CSW}" xmlns:gmd="${GMD}"\n  xmlns:gco="${GCO}"`;
    for (const [attrs, wrapper] of [[own, `xmlns:gmd="${GMD}"`], [own.replace(`xmlns:csw="${CSW}" `, ''), `xmlns:gmd="${GMD}"`], ['\n', `xmlns:gmd="${GMD}" xmlns:gco="${GCO}"`]]) {
      for (const r of split(isoPage(`\n\n${isoRecord('r-1', 'Un', attrs)}\n${isoRecord('r-2', 'Deux', attrs)}`, wrapper), true).records) {
        expect(r.root).toEqual(parseXml(r.xml).root);
      }
    }
  });

  it('takes the first fileIdentifier only, even when its text is blank, as the tree path does', () => {
    const xml = isoPage(isoRecord('r-1', 'x').replace('<gmd:fileIdentifier>', '<gmd:fileIdentifier><gco:CharacterString> </gco:CharacterString></gmd:fileIdentifier><gmd:fileIdentifier>'));
    expect(split(xml).records[0].id).toBeUndefined();
    expect(tree(xml).records[0].id).toBeUndefined();
  });
});

describe('pages the streaming split declines, read by parseXml with the same errors as before', () => {
  const cases: [string, string, RegExp][] = [
    ['an ExceptionReport', fixture('exceptions/pycsw-exception-invalid-request.xml').toString(), /answered an ExceptionReport/],
    ['a truncated page', isoPage(isoRecord('r-1', 'x')).slice(0, -60), /answered unreadable XML: XML not well-formed/],
    ['a DOCTYPE with entities', `<!DOCTYPE csw:GetRecordsResponse [<!ENTITY x SYSTEM "file:///etc/passwd">]>${isoPage('&x;').replace(/^<\?xml[^>]*>/, '')}`, /DOCTYPE declares entities/],
    ['an unbound prefix', isoPage(isoRecord('r-1', 'x'), `xmlns:gmd="${GMD}"`), /unreadable XML: .*gco/],
    ['elements nested too deep', isoPage(`${'<a>'.repeat(300)}${'</a>'.repeat(300)}`), /nested deeper than 256/],
    ['another root', `<csw:GetRecordByIdResponse xmlns:csw="${CSW}"/>`, /not a csw:GetRecordsResponse/],
    ['no SearchResults', `<csw:GetRecordsResponse xmlns:csw="${CSW}"/>`, /without csw:SearchResults/],
  ];

  it.each(cases)('%s', async (_what, body, message) => {
    expect(splitGetRecords(body)).toBeUndefined();
    let viaTree: unknown;
    try {
      parseGetRecords(readXml(answer(body), URL), URL);
    } catch (e) {
      viaTree = e;
    }
    await expect(readGetRecords(answer(body), URL)).rejects.toThrow((viaTree as Error).message);
    expect((viaTree as Error).message).toMatch(message);
  });

  it('refuses an HTML page and a non-XML media type before reading', async () => {
    await expect(readGetRecords(answer(isoPage(''), 'text/html'), URL)).rejects.toThrow(/answered an HTML page/);
    await expect(readGetRecords(answer(isoPage(''), 'application/json'), URL)).rejects.toThrow(/answered application\/json, not XML/);
  });

  it('splits a page with a DOCTYPE without entities through the tree', async () => {
    const xml = isoPage(isoRecord('r-1', 'x')).replace('?>', '?><!DOCTYPE csw:GetRecordsResponse>');
    expect(splitGetRecords(xml)).toBeUndefined();
    expect((await readGetRecords(answer(xml), URL)).records.map((r) => r.id)).toEqual(['r-1']);
  });
});
