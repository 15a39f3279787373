import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attribute,
  decodeXml,
  decodeXmlPieces,
  elements,
  first,
  locate,
  parseXml,
  select,
  serializeElement,
  textOf,
  XmlError,
  type XmlElement,
} from '../../mappings/xml/index.ts';

const fixture = (p: string): Buffer => readFileSync(new URL(`../../../shared/fixtures/${p}`, import.meta.url));
const GMD = 'http://www.isotc211.org/2005/gmd';
const GCO = 'http://www.isotc211.org/2005/gco';
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';

function parseError(input: string | Buffer, options?: Parameters<typeof parseXml>[1]): XmlError {
  try {
    parseXml(input, options);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlError);
    return e as XmlError;
  }
  throw new Error('expected parseXml to throw');
}

describe('parseXml: namespaces', () => {
  it('resolves prefixes, default namespaces and redeclarations by URI', () => {
    const { root } = parseXml(
      '<a:r xmlns:a="urn:A" xmlns="urn:D"><child/><a:x xmlns:a="urn:B"><a:y/></a:x><b xmlns=""/></a:r>',
    );
    expect([root.uri, root.local, root.prefix]).toEqual(['urn:A', 'r', 'a']);
    const [child, x, b] = elements(root);
    expect([child.uri, child.local]).toEqual(['urn:D', 'child']);
    expect([x.uri, x.local]).toEqual(['urn:B', 'x']);
    expect(elements(x)[0].uri).toBe('urn:B');
    expect(b.uri).toBe('');
  });

  it('resolves attribute namespaces; unprefixed attributes are in no namespace', () => {
    const { root } = parseXml('<r xmlns="urn:D" xmlns:l="http://www.w3.org/1999/xlink" l:href="h" codeListValue="v"/>');
    expect(attribute(root, 'http://www.w3.org/1999/xlink', 'href')).toBe('h');
    expect(attribute(root, '', 'codeListValue')).toBe('v');
    expect(attribute(root, 'urn:D', 'codeListValue')).toBeUndefined();
    expect(root.declarations).toEqual({ '': 'urn:D', l: 'http://www.w3.org/1999/xlink' });
  });

  it('rejects an undeclared prefix with its line and column (geodatagouv GetRecords excerpt)', () => {
    const e = parseError(fixture('bad/csw-getrecords-undeclared-gco-prefix.xml'));
    expect(e.kind).toBe('syntax');
    expect(e.message).toMatch(/unbound namespace prefix: "gco"/);
    expect(e.line).toBe(31);
    expect(e.message).toContain('line 31');
  });

  it('reads namespace declarations given as DTD attribute defaults (MapServer WMS 1.1.1)', () => {
    const { root } = parseXml(fixture('ows/wms/brgm-wms-1.1.1.xml'));
    const ext = select(root, ['', 'Capability'], ['', 'VendorSpecificCapabilities'], ['*', 'ExtendedCapabilities'])[0];
    expect(ext?.uri).toBe('http://inspire.ec.europa.eu/schemas/inspire_vs/1.0');
  });
});

describe('parseXml: text', () => {
  it('decodes entities and decimal / hexadecimal character references, CDATA kept as text', () => {
    const { root } = parseXml('<t>Donn&#233;es &#xE9;t&#xe9; &amp; &lt;carte&gt; <![CDATA[<b>&amp;</b>]]></t>');
    expect(textOf(root)).toBe('Données été & <carte> <b>&amp;</b>');
  });

  it('records the line of each start tag', () => {
    const { root } = parseXml('<?xml version="1.0"?>\n<r>\n  <a/>\n\n  <b x="1"\n   y="2"/>\n</r>');
    expect(root.line).toBe(2);
    expect(elements(root).map((e) => e.line)).toEqual([3, 5]);
  });
});

describe('parseXml: encodings', () => {
  it('reads UTF-16 with a BOM', () => {
    const doc = parseXml(fixture('ows/wms/brgm-wms-1.1.1-utf-16.xml'));
    expect(doc.encoding).toBe('utf-16le');
    expect(doc.root.local).toBe('WMT_MS_Capabilities');
    expect(textOf(first(doc.root, ['', 'Service'], ['', 'Title']))).toBe(textOf(first(parseXml(fixture('ows/wms/brgm-wms-1.1.1.xml')).root, ['', 'Service'], ['', 'Title'])));
  });

  it('honours encoding="ISO-8859-15" in the declaration', () => {
    const latin = parseXml(fixture('ows/wms/brgm-wms-1.1.1-iso-8859-15.xml'));
    const utf8 = parseXml(fixture('ows/wms/brgm-wms-1.1.1.xml'));
    expect(latin.encoding).toBe('iso-8859-15');
    const abstract = (d: typeof latin): string => textOf(first(d.root, ['', 'Service'], ['', 'Abstract']));
    expect(abstract(latin)).toBe(abstract(utf8));
    expect(abstract(latin)).toMatch(/[éèà]/);
  });

  it('decodes ISO-8859-1 bytes by their declaration', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>'), Buffer.from([0x44, 0xe9, 0x70]), Buffer.from('</t>')]);
    expect(textOf(parseXml(bytes).root)).toBe('Dép');
  });

  it('ignores a UTF-16 BOM put before single-byte text and says so (OWSLib mesonet fixture)', () => {
    const doc = parseXml(fixture('bad/wms-1.3.0-bogus-utf16-bom-mesonet.xml'));
    expect(doc.root.local).toBe('WMS_Capabilities');
    expect(doc.warnings.join()).toMatch(/byte-order mark/);
  });
});

describe('decodeXmlPieces', () => {
  const documents: [string, Buffer][] = [
    ['UTF-16LE with a BOM', fixture('ows/wms/brgm-wms-1.1.1-utf-16.xml')],
    ['ISO-8859-15 by its declaration', fixture('ows/wms/brgm-wms-1.1.1-iso-8859-15.xml')],
    ['UTF-8', fixture('ows/wms/brgm-wms-1.1.1.xml')],
    ['a UTF-16 BOM before single-byte text', fixture('bad/wms-1.3.0-bogus-utf16-bom-mesonet.xml')],
    ['UTF-8 with a BOM, astral and BMP characters', Buffer.from('\uFEFF<?xml version="1.0"?><t>Dép 𝄞 ’ œ</t>')],
    ['UTF-16BE without a BOM', Buffer.from(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><t>Dép 𝄞</t>', 'utf16le').swap16())],
    ['declared UTF-8, Latin-1 bytes', Buffer.concat([Buffer.from('<?xml version="1.0"?><t>'), Buffer.from([0x44, 0xe9, 0x70]), Buffer.from('</t>')])],
  ];

  it.each(documents)('%s: the pieces, at any size, join into decodeXml\'s text', (_name, bytes) => {
    const whole = decodeXml(bytes).text;
    expect(whole.length).toBeGreaterThan(10);
    for (const size of [1, 2, 3, 5, 64, 4096, bytes.length + 1]) {
      const pieces = [...decodeXmlPieces(bytes, size)];
      expect(pieces.join('')).toBe(whole);
      expect(pieces.every((p) => p.length > 0)).toBe(true);
      // Never more than one piece per `size` bytes, and never a lone half of a surrogate pair at a cut.
      expect(pieces.length).toBeLessThanOrEqual(Math.ceil(bytes.length / size) + 1);
      for (const p of pieces) expect(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/.test(p)).toBe(false);
    }
  });

  it('refuses an unknown encoding before the first piece, as decodeXml does', () => {
    const bytes = Buffer.from('<?xml version="1.0" encoding="x-klingon"?><t/>');
    expect(() => decodeXml(bytes)).toThrow(/unsupported XML encoding "x-klingon"/);
    expect(() => decodeXmlPieces(bytes)).toThrow(/unsupported XML encoding "x-klingon"/);
  });
});

describe('parseXml: not well-formed input', () => {
  it('a truncated ISO record fails naming line and column', () => {
    const e = parseError(fixture('bad/iso19139-truncated.xml'));
    expect(e.kind).toBe('syntax');
    expect(e.message).toMatch(/unclosed tag: gmd:MD_Metadata/);
    expect(e.line).toBeGreaterThan(10);
    expect(e.message).toMatch(/line \d+, column \d+/);
  });

  it('a truncated capabilities document fails', () => {
    expect(parseError(fixture('bad/csw-capabilities-truncated.xml')).kind).toBe('syntax');
  });

  it('text that is not XML fails', () => {
    expect(parseError('{"not": "xml"}').kind).toBe('syntax');
    expect(parseError('').message).toMatch(/XML/);
  });
});

describe('parseXml: safety', () => {
  it('refuses a billion-laughs entity bomb at its declaration, quickly', () => {
    const levels = Array.from({ length: 10 }, (_, i) =>
      i === 0 ? '<!ENTITY lol0 "lol">' : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
    ).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${levels}]><lolz>&lol9;</lolz>`;
    const started = Date.now();
    const e = parseError(bomb);
    expect(Date.now() - started).toBeLessThan(500);
    expect(e.kind).toBe('security');
    expect(e.message).toMatch(/entit/i);
  });

  it('refuses an external entity without reading the file', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
    const e = parseError(xxe);
    expect(e.kind).toBe('security');
    expect(e.message).not.toContain('root:');
  });

  it('an undeclared entity is an error, never a lookup', () => {
    expect(parseError('<r>&nbsp;</r>').message).toMatch(/undefined entity/);
  });

  it('a DOCTYPE without entity declarations is ignored', () => {
    expect(parseXml('<!DOCTYPE r SYSTEM "http://example.invalid/r.dtd"><r>ok</r>').root.local).toBe('r');
  });

  it('enforces the size and depth limits', () => {
    expect(parseError('<r>0123456789</r>', { maxBytes: 10 }).kind).toBe('limit');
    expect(parseError(`${'<a>'.repeat(20)}${'</a>'.repeat(20)}`, { maxDepth: 10 }).kind).toBe('limit');
  });
});

describe('select / locate', () => {
  const page = parseXml(fixture('csw/getrecords-iso/geonetwork-fr-iso19139-page-1.xml')).root;
  const records = select(page, [CSW, 'SearchResults'], [GMD, 'MD_Metadata']);

  it('walks by namespace URI and local name', () => {
    expect(records).toHaveLength(2);
    expect(textOf(first(records[0], [GMD, 'fileIdentifier'], [GCO, 'CharacterString'])).trim()).toBe(
      'fr-120066022-ldd-56fce164-04b2-41ae-be87-9f256f39dd44',
    );
  });

  it('first gives what select gives first, for every path of up to three steps in a real record', () => {
    // Every (namespace, local name) step that occurs in the record, plus wildcards and a step that matches nothing.
    const steps = new Map<string, readonly [string, string]>();
    const collect = (el: XmlElement): void => {
      steps.set(`${el.uri} ${el.local}`, [el.uri, el.local]);
      elements(el).forEach(collect);
    };
    collect(records[0]);
    const pool = [...steps.values(), ['*', '*'] as const, [GMD, '*'] as const, [GMD, 'nothingOfThatName'] as const];
    let paths = 0;
    let found = 0;
    const check = (prefix: (readonly [string, string])[], depth: number): void => {
      const all = select(records[0], ...prefix);
      expect(first(records[0], ...prefix)).toBe(all[0]);
      paths++;
      if (all.length > 0) found++;
      if (depth === 3 || all.length === 0) return;
      for (const step of pool) check([...prefix, step], depth + 1);
    };
    for (const step of pool) check([step], 1);
    expect(paths).toBeGreaterThan(1000);
    expect(found).toBeGreaterThan(50);
    expect(first(undefined, [GMD, 'contact'])).toBeUndefined();
  });

  it('builds an XPath-like location with canonical prefixes and positions among same-named siblings', () => {
    const extents = select(records[0], [GMD, 'identificationInfo'], [GMD, 'MD_DataIdentification'], [GMD, 'extent']);
    expect(locate(records[1])).toBe('/csw:GetRecordsResponse/csw:SearchResults/gmd:MD_Metadata[2]');
    expect(locate(extents[0], records[0])).toMatch(/^\/gmd:MD_Metadata\/gmd:identificationInfo\/gmd:MD_DataIdentification\/gmd:extent/);
  });

  it('uses canonical prefixes whatever the document wrote', () => {
    const { root } = parseXml('<x:MD_Metadata xmlns:x="http://www.isotc211.org/2005/gmd"><x:contact/><x:contact/></x:MD_Metadata>');
    expect(locate(elements(root)[1])).toBe('/gmd:MD_Metadata/gmd:contact[2]');
  });
});

describe('serializeElement', () => {
  const page = parseXml(fixture('csw/getrecords-iso/geonetwork-fr-iso19139-page-1.xml')).root;
  const record = select(page, [CSW, 'SearchResults'], [GMD, 'MD_Metadata'])[1];

  it('writes a standalone document declaring the namespaces the record inherits', () => {
    const xml = serializeElement(record);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<gmd:MD_Metadata')).toBe(true);
    expect(xml).not.toContain('xmlns:csw=');
    const again = parseXml(xml).root;
    expect(again.uri).toBe(GMD);
    expect(again.parent).toBeNull();
  });

  it('round-trips: the re-parsed subtree has the same names, attributes and text', () => {
    const again = parseXml(serializeElement(record)).root;
    expect(shape(again)).toEqual(shape(record));
  });

  it('declares an inherited default namespace and prefixes used only in xsi:type values', () => {
    const { root } = parseXml(
      '<w xmlns="urn:D" xmlns:t="urn:T" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:u="urn:U"><e xsi:type="t:Kind">a &amp; b</e></w>',
    );
    const xml = serializeElement(elements(root)[0], { declaration: false });
    expect(xml).toBe(
      '<e xmlns="urn:D" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:t="urn:T" xsi:type="t:Kind">a &amp; b</e>',
    );
  });
});

/** Names, attributes and non-blank text of a subtree, for comparison. */
function shape(el: XmlElement): unknown {
  return {
    name: `{${el.uri}}${el.local}`,
    attributes: el.attributes.map((a) => `{${a.uri}}${a.local}=${a.value}`).sort(),
    children: el.children.map((c) => (typeof c === 'string' ? c.trim() : shape(c))).filter((c) => c !== ''),
  };
}
