/**
 * The ISO 19139 reader on rewritten and broken inputs: namespaces matched by URI whatever the prefixes,
 * character references and encodings, not-well-formed and unsafe documents, wrong roots, bad values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { MappingError, type MappingResult } from '../../../mappings/types.ts';
import { validate } from '../../../src/schemas.ts';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = (p: string): Buffer => readFileSync(new URL(p, FIXTURES));
const text = (p: string): string => bytes(p).toString('utf8');
const GCO = 'http://www.isotc211.org/2005/gco';
const GMD = 'http://www.isotc211.org/2005/gmd';

function mappingError(input: string | Buffer): MappingError {
  try {
    readIso19139(input);
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    return e as MappingError;
  }
  throw new Error('expected a MappingError');
}

describe('namespaces are matched by URI, never by prefix', () => {
  it.each(['iso19139/geobretagne-bano.xml', 'iso19139/ifremer-multilang.xml'])('%s: gmd -> a:, gco -> default namespace', (p) => {
    const original = text(p);
    const rewritten = original
      .replace(/(<\/?)gmd:/g, '$1a:')
      .replace(/xmlns:gmd=/g, 'xmlns:a=')
      .replace(/(<\/?)gco:/g, '$1')
      .replace(/ gco:nilReason=/g, ' g:nilReason=')
      .replace(`xmlns:gco="${GCO}"`, `xmlns="${GCO}" xmlns:g="${GCO}"`);
    expect(rewritten).not.toContain('<gmd:');
    expect(rewritten).toContain('<CharacterString>');
    expect(readIso19139(rewritten)).toEqual(readIso19139(original));
  });

  it('gmd and gco prefixes swapped (each bound to the other URI) give the same record', () => {
    const original = text('iso19139/geobretagne-service-coupled.xml');
    const swapped = original
      .replace(/(<\/?|\s)gmd:/g, '$1§:')
      .replace(/(<\/?|\s)gco:/g, '$1gmd:')
      .replace(/(<\/?|\s)§:/g, '$1gco:')
      .replace(`xmlns:gmd="${GMD}"`, `xmlns:§="${GMD}"`)
      .replace(`xmlns:gco="${GCO}"`, `xmlns:gmd="${GCO}"`)
      .replace(`xmlns:§="${GMD}"`, `xmlns:gco="${GMD}"`);
    expect(swapped).toContain('<gco:MD_Metadata');
    expect(readIso19139(swapped)).toEqual(readIso19139(original));
  });

  it('numeric character references are decoded (decimal and hexadecimal)', () => {
    const original = text('iso19139/geobretagne-bano.xml');
    const escaped = original.replace(/é/g, '&#233;').replace(/è/g, '&#xE8;').replace(/ô/g, '&#x00f4;');
    expect(escaped).toContain('&#233;');
    const result = readIso19139(escaped);
    expect(result).toEqual(readIso19139(original));
    expect(result.record.metadataContacts[0].individualName).toBe('équipe GéoBretagne');
  });

  it('the same record in ISO-8859-1 and in UTF-16 with a BOM maps identically', () => {
    const original = text('iso19139/geobretagne-bano.xml');
    const expected = readIso19139(original);
    const latin = original.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(/’/g, "'");
    const latinResult = readIso19139(Buffer.from(latin, 'latin1'));
    expect(latinResult.record.title).toBe(expected.record.title);
    expect(latinResult.record.metadataContacts).toEqual(expected.record.metadataContacts);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(original.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
    expect(readIso19139(utf16)).toEqual(expected);
  });
});

describe('not well-formed, unsafe or foreign documents', () => {
  it('a truncated record is a MappingError naming line and column', () => {
    const e = mappingError(bytes('bad/iso19139-truncated.xml'));
    expect(e.message).toMatch(/^cannot read ISO 19139 document: XML not well-formed: unclosed tag: gmd:MD_Metadata \(line \d+, column \d+\)$/);
  });

  it('an undeclared gco prefix is a MappingError naming the prefix', () => {
    expect(mappingError(bytes('bad/csw-getrecords-undeclared-gco-prefix.xml')).message).toMatch(/unbound namespace prefix: "gco".*line 31/);
  });

  it('an entity bomb is refused before any expansion', () => {
    const lol = Array.from({ length: 10 }, (_, i) => (i ? `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">` : '<!ENTITY l0 "lol">')).join('');
    const doc = `<?xml version="1.0"?><!DOCTYPE gmd:MD_Metadata [${lol}]><gmd:MD_Metadata xmlns:gmd="${GMD}">&l9;</gmd:MD_Metadata>`;
    expect(mappingError(doc).message).toMatch(/DOCTYPE declares entities/);
  });

  it('an external entity is refused and the file is not read', () => {
    const doc = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]><gmd:MD_Metadata xmlns:gmd="${GMD}" xmlns:gco="${GCO}"><gmd:fileIdentifier><gco:CharacterString>&x;</gco:CharacterString></gmd:fileIdentifier></gmd:MD_Metadata>`;
    const e = mappingError(doc);
    expect(e.message).toMatch(/entity/i);
    expect(e.message).not.toMatch(/root:x:0/);
  });

  it('a feature catalogue root is a MappingError naming the root', () => {
    const e = mappingError(bytes('iso19139/feature-catalogue/geobretagne-featurecatalogue.xml'));
    expect(e.message).toMatch(/not an ISO 19139 record: root element gfc:FC_FeatureCatalogue/);
    expect(e.path).toBe('/gfc:FC_FeatureCatalogue');
  });

  it('a CSW envelope is not a record', () => {
    expect(mappingError(bytes('csw/getrecords-iso/geoide-iso19139-single.xml')).message).toMatch(/root element csw:GetRecordsResponse/);
  });

  it('JSON is not XML', () => {
    expect(mappingError('{"title": "x"}').message).toMatch(/XML not well-formed/);
  });
});

describe('odd but well-formed records give issues, never a crash', () => {
  it('the Swiss profile root is read with a warning (owslib-iso-che.xml)', () => {
    const { record, issues } = readIso19139(bytes('iso19139/owslib-iso-che.xml'));
    expect(issues[0]).toEqual({
      severity: 'warning',
      path: '/che:CHE_MD_Metadata',
      message: 'profile root che:CHE_MD_Metadata {http://www.geocat.ch/2008/che} read as gmd:MD_Metadata',
    });
    expect(record.title).toBe('Gewässerschutzkarte');
    expect(record.locales).toEqual(['ger', 'fre', 'ita', 'eng']);
    expect(record.translations.title).toEqual({ ger: 'Gewässerschutzkarte' });
    expect(record.geographicDescriptions).toEqual(['ZG']);
    expect(validate('record', record)).toEqual([]);
  });

  it('SIGLR: objects without their property element are read with warnings', () => {
    const { record, issues } = readIso19139(bytes('iso19139/siglr-malformed.xml'));
    expect(record.distributionFormats).toEqual([{ name: 'WFS', version: '1.1.0' }]);
    expect(record.onlineResources[0]).toEqual({
      url: 'http://geoservice.siglr.org/wfsmmm?',
      protocol: 'OGC:WFS-1.0.0-http-get-capabilities',
      name: 'mmm_lignes_tramway',
      function: 'download',
    });
    expect(issues.map((i) => i.path)).toEqual([
      '/gmd:MD_Metadata/gmd:distributionInfo/gmd:MD_Distribution/gmd:MD_Format',
      '/gmd:MD_Metadata/gmd:distributionInfo/gmd:MD_Distribution/gmd:transferOptions/gmd:MD_DigitalTransferOptions/gmd:CI_OnlineResource',
    ]);
  });

  it('a record without fileIdentifier gets identifier null and a warning (invalid/…no-such-element)', () => {
    const { record, issues } = readIso19139(bytes('iso19139/invalid/gemini-dataset-invalid-xsd-no-such-element.xml'));
    expect(record.identifier).toBeNull();
    expect(issues).toEqual([{ severity: 'warning', path: '/gmd:MD_Metadata', message: 'gmd:fileIdentifier is missing: record has no identifier' }]);
  });

  it('a dataset carrying a service identification is flagged (invalid/…element-srv)', () => {
    const { record, issues } = readIso19139(bytes('iso19139/invalid/gemini-dataset-invalid-element-srv.xml'));
    expect(record.hierarchyLevel).toBe('dataset');
    expect(issues[0].path).toBe('/gmd:MD_Metadata/gmd:identificationInfo/srv:SV_ServiceIdentification');
    expect(issues[0].message).toMatch(/hierarchyLevel is dataset but the identification is srv:SV_ServiceIdentification/);
  });

  it('a missing hierarchyLevel defaults to dataset with a warning (owslib-9250AA67-iso.xml)', () => {
    const { record, issues } = readIso19139(bytes('iso19139/owslib-9250AA67-iso.xml'));
    expect(record.hierarchyLevel).toBe('dataset');
    expect(record.metadataLanguage).toBe('eng');
    expect(issues).toContainEqual({ severity: 'warning', path: '/gmd:MD_Metadata', message: 'gmd:hierarchyLevel is missing: dataset assumed' });
  });
});

describe('bad values are dropped with an issue at their path', () => {
  const bano = text('iso19139/geobretagne-bano.xml');
  const BBOX = '/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification/gmd:extent/gmd:EX_Extent/gmd:geographicElement/gmd:EX_GeographicBoundingBox';
  const map = (xml: string): MappingResult => {
    const result = readIso19139(xml);
    expect(validate('record', result.record)).toEqual([]);
    return result;
  };

  it('missing title: error at the citation, title empty', () => {
    const { record, issues } = map(bano.replace(/<gco:CharacterString>Base d'Adresse Nationale Ouverte export Bretagne<\/gco:CharacterString>/, ''));
    expect(record.title).toBe('');
    expect(issues).toContainEqual({
      severity: 'error',
      path: '/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation',
      message: 'resource title (gmd:citation/gmd:CI_Citation/gmd:title) is missing',
    });
  });

  it('a title given only as PT_FreeText: the translation stands in, with a warning', () => {
    const xml = bano.replace(
      /<gco:CharacterString>Base d'Adresse Nationale Ouverte export Bretagne<\/gco:CharacterString>/,
      '<gmd:PT_FreeText><gmd:textGroup><gmd:LocalisedCharacterString locale="#FR">BANO</gmd:LocalisedCharacterString></gmd:textGroup></gmd:PT_FreeText>',
    );
    const { record, issues } = map(xml);
    expect(record.title).toBe('BANO');
    expect(record.translations.title).toEqual({ fr: 'BANO' });
    expect(issues).toEqual([
      {
        severity: 'warning',
        path: '/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification/gmd:citation/gmd:CI_Citation/gmd:title',
        message: 'title has no gco:CharacterString: its first PT_FreeText translation is used',
      },
    ]);
  });

  it('unparseable dateStamp: dropped with a warning; French day-first dates normalised', () => {
    const { record, issues } = map(bano.replace('2017-10-27T09:15:21', 'le 27 octobre').replace('<gco:Date>2014-09-15</gco:Date>', '<gco:Date>15/09/2014</gco:Date>'));
    expect(record.metadataDate).toBeUndefined();
    expect(issues).toContainEqual({ severity: 'warning', path: '/gmd:MD_Metadata/gmd:dateStamp/gco:DateTime', message: 'unparseable date "le 27 octobre" dropped' });
    expect(record.dates).toEqual([{ date: '2014-09-15', type: 'publication' }]);
  });

  it('non-numeric bbox side: the box is dropped, both problems reported', () => {
    const { record, issues } = map(bano.replace('-5.235156248935555', 'ouest'));
    expect(record.bboxes).toEqual([]);
    expect(issues).toEqual([
      { severity: 'warning', path: `${BBOX}/gmd:westBoundLongitude/gco:Decimal`, message: 'non-numeric value "ouest" dropped' },
      { severity: 'warning', path: BBOX, message: 'bounding box with a missing or non-numeric side dropped' },
    ]);
  });

  it('out-of-range bbox: dropped; latitudes swapped: fixed; both with warnings', () => {
    expect(map(bano.replace('49.016365928707785', '149.0')).record.bboxes).toEqual([]);
    const swapped = map(bano.replace('47.18235916750418', 'S').replace('49.016365928707785', '47.18235916750418').replace('>S<', '>49.016365928707785<'));
    expect(swapped.record.bboxes).toEqual([{ west: -5.235156248935555, east: -0.9285156245350485, south: 47.18235916750418, north: 49.016365928707785 }]);
    expect(swapped.issues[0].message).toMatch(/latitudes swapped/);
  });

  it('a box crossing the antimeridian is kept as is', () => {
    const { record, issues } = map(bano.replace('-5.235156248935555', '177.5').replace('-0.9285156245350485', '-178.2'));
    expect(record.bboxes[0]).toMatchObject({ west: 177.5, east: -178.2 });
    expect(issues).toEqual([]);
  });
});
