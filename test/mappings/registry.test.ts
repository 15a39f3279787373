import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownMappings, mapDocument, xmlRoot } from '../../mappings/index.ts';
import { MappingError, type RawDocument } from '../../mappings/types.ts';

const SHARED = new URL('../../../shared/fixtures/', import.meta.url);
const CATALOGUE = new URL('../fixtures/harvest/catalogue/', import.meta.url);

const shared = (path: string) => readFileSync(new URL(path, SHARED));
const catalogue = (path: string) => readFileSync(new URL(path, CATALOGUE));

function raw(bytes: Buffer, mediaType = 'application/xml'): RawDocument {
  return { bytes, mediaType, url: 'file:///test.xml', fetchedAt: '2025-01-01T00:00:00Z' };
}

function mappingError(fn: () => unknown): MappingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MappingError) return err;
    throw err;
  }
  throw new Error('expected a MappingError');
}

const GMD = 'http://www.isotc211.org/2005/gmd';
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';

describe('xmlRoot', () => {
  it.each([
    ['iso19139/geobretagne-bano.xml', GMD, 'MD_Metadata'],
    ['iso19139/owslib-iso-mi.xml', 'http://www.isotc211.org/2005/gmi', 'MI_Metadata'],
    ['csw/getrecordbyid/pycsw-getrecordbyid-iso-full.xml', CSW, 'GetRecordByIdResponse'],
    ['dcat/geodcat-ap/geodcat-ap-2.0.0-dataset.rdf', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'RDF'],
    ['ows/wms/dimensions-wms-1.3.0.xml', 'http://www.opengis.net/wms', 'WMS_Capabilities'],
    ['ows/wms/brgm-wms-1.1.1.xml', '', 'WMT_MS_Capabilities'],
    ['ows/wms/brgm-wms-1.1.1-utf-16.xml', '', 'WMT_MS_Capabilities'],
  ])('finds the namespace-resolved root of %s', (path, ns, local) => {
    expect(xmlRoot(shared(path))).toMatchObject({ ns, local });
  });

  it('leaves the namespace empty when the root prefix is not declared', () => {
    const root = xmlRoot(shared('bad/csw-record-undeclared-csw-prefix-grandlyon.xml'));
    expect(root).toMatchObject({ prefix: 'csw', ns: '' });
  });

  it('returns null for documents that are not XML', () => {
    expect(xmlRoot(shared('dcat/geodcat-ap/geodcat-ap-2.0.0-dataset.ttl'))).toBeNull();
    expect(xmlRoot(shared('dcat/geodcat-ap/geodcat-ap-2.0.0-dataset.jsonld'))).toBeNull();
  });
});

describe('mapDocument', () => {
  it('maps gmd:MD_Metadata and gmi:MI_Metadata with the ISO 19139 reader', () => {
    expect(mapDocument(raw(catalogue('iso/geobretagne-bano.xml'))).record.identifier).toBe('9ffb161b-d8d8-4ec4-bde5-a03104300df8');
    expect(mapDocument(raw(catalogue('iso/owslib-iso-mi.xml'))).record.identifier).toBe('3f342f64-9348-11df-ba6a-0014c2c00eab');
  });

  it('maps the Swiss che:CHE_MD_Metadata profile with the ISO 19139 reader', () => {
    const { record, issues } = mapDocument(raw(shared('iso19139/owslib-iso-che.xml')));
    expect(record.identifier).toEqual(expect.any(String));
    expect(issues.some((i) => i.message.includes('CHE_MD_Metadata'))).toBe(true);
  });

  it('dispatches on the namespace, not on the literal prefix', () => {
    const renamed = catalogue('iso/geobretagne-bano.xml').toString('utf8').replace(/\bgmd:/g, 'md:').replace(/xmlns:gmd=/g, 'xmlns:md=');
    expect(mapDocument(raw(Buffer.from(renamed))).record.identifier).toBe('9ffb161b-d8d8-4ec4-bde5-a03104300df8');
    const wrongNs = catalogue('iso/geobretagne-bano.xml').toString('utf8').replace(`xmlns:gmd="${GMD}"`, 'xmlns:gmd="urn:not-iso"');
    expect(mappingError(() => mapDocument(raw(Buffer.from(wrongNs)))).message).toMatch(/^No mapping for XML root \{urn:not-iso\}MD_Metadata/);
  });

  it.each([
    ['csw/getrecordbyid/pycsw-getrecordbyid-iso-full.xml', 'de53e931-778a-4792-94ad-9fe507aca483'],
    ['csw/getrecordbyid/geonetwork-fr-getrecordbyid-iso.xml', null],
    ['csw/getrecordbyid/dov-getrecordbyid-iso.xml', null],
  ])('unwraps the ISO record of a CSW GetRecordByIdResponse (%s)', (path, identifier) => {
    const direct = mapDocument(raw(shared(path)));
    expect(direct.record.title).not.toBe('');
    if (identifier) expect(direct.record.identifier).toBe(identifier);
    else expect(direct.record.identifier).toEqual(expect.any(String));
  });

  it('fails clearly on an empty GetRecordByIdResponse, and unwraps a Dublin Core one', () => {
    expect(mappingError(() => mapDocument(raw(shared('csw/getrecordbyid/getrecordbyid-empty.xml')))).message).toBe(
      'GetRecordByIdResponse holds no record',
    );
    const dc = mapDocument(raw(shared('csw/getrecordbyid/brest-getrecordbyid-dc.xml')));
    expect(dc.record.title.length).toBeGreaterThan(0);
    expect(dc.record.identifier).toBeTruthy();
  });

  it('rejects an unknown XML root with the list of known roots and media types', () => {
    const err = mappingError(() => mapDocument(raw(catalogue('other/geobretagne-featurecatalogue.xml'))));
    const { roots, mediaTypes } = knownMappings();
    expect(err.message).toBe(
      `No mapping for XML root {http://www.isotc211.org/2005/gfc}FC_FeatureCatalogue; known XML roots: ${roots.join(', ')}; known media types: ${mediaTypes.join(', ')}`,
    );
    expect(err.path).toBe('/gfc:FC_FeatureCatalogue');
  });

  it('rejects a non-XML media type with no mapping, listing what is known', () => {
    const err = mappingError(() => mapDocument(raw(shared('dcat/udata-harvest/evian-arcgis-hub-dcat-us.json'), 'application/json')));
    expect(err.message).toMatch(/^No mapping for media type application\/json; known XML roots: \{http:\/\/www.isotc211.org/);
    expect(err.message).toContain('known media types: application/n-triples, text/turtle');
  });

  it('says which prefix is undeclared when the root cannot be resolved', () => {
    const err = mappingError(() => mapDocument(raw(shared('bad/csw-record-undeclared-csw-prefix-grandlyon.xml'))));
    expect(err.message).toMatch(/prefix "csw" not declared on the root element/);
  });

  it('lets the reader reject a truncated ISO record', () => {
    expect(() => mapDocument(raw(catalogue('bad/iso19139-truncated.xml')))).toThrow(MappingError);
  });

  it('lists the known mappings', () => {
    const known = knownMappings();
    expect(known.roots).toEqual(expect.arrayContaining([
      `{${GMD}}MD_Metadata`,
      '{http://www.isotc211.org/2005/gmi}MI_Metadata',
      '{http://www.geocat.ch/2008/che}CHE_MD_Metadata',
      `{${CSW}}GetRecordByIdResponse`,
      `{${CSW}}Record`,
      '{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF',
      '{http://www.w3.org/2005/Atom}feed',
      '{http://www.opengis.net/wms}WMS_Capabilities',
      '{http://www.opengis.net/wmts/1.0}Capabilities',
      '{http://www.opengis.net/wfs/2.0}WFS_Capabilities',
    ]));
    expect(known.mediaTypes).toEqual(expect.arrayContaining(['text/turtle', 'application/n-triples']));
  });
});
