import { describe, expect, it } from 'vitest';
import {
  constraintOf, endpointBase, getCapabilitiesUrl, getRecordsBody, getRecordsUrl, parseSourceConstraint, sinceDate, withParams,
  type GetRecordsQuery,
} from '../../../harvesters/csw/requests.ts';
import { parseXml, select, textOf } from '../../../mappings/xml/index.ts';

const ISO: GetRecordsQuery = {
  outputSchema: 'http://www.isotc211.org/2005/gmd',
  typeNames: 'gmd:MD_Metadata',
  startPosition: 101,
  maxRecords: 50,
  sortBy: 'apiso:Identifier',
};
const OGC = 'http://www.opengis.net/ogc';
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';

describe('CSW request builders', () => {
  it('builds GetCapabilities on an endpoint, keeping its own parameters and replacing request ones whatever their case', () => {
    expect(getCapabilitiesUrl('https://data.geopf.fr/csw')).toBe('https://data.geopf.fr/csw?SERVICE=CSW&REQUEST=GetCapabilities&ACCEPTVERSIONS=2.0.2');
    expect(getCapabilitiesUrl('http://localhost/pycsw/csw.py?config=default.yml&request=GetRecords'))
      .toBe('http://localhost/pycsw/csw.py?config=default.yml&SERVICE=CSW&REQUEST=GetCapabilities&ACCEPTVERSIONS=2.0.2');
    expect(withParams('http://h/csw?a=1&Service=WMS', { SERVICE: 'CSW' })).toBe('http://h/csw?a=1&SERVICE=CSW');
    expect(endpointBase('https://h/geonetwork/srv/fre/csw?service=CSW&request=GetCapabilities&version=2.0.2&x=1')).toBe('https://h/geonetwork/srv/fre/csw?x=1');
  });

  it('builds a GetRecords KVP URL with paging, sort and namespaces, percent-encoded', () => {
    const url = new URL(getRecordsUrl('https://h/csw', ISO));
    const p = Object.fromEntries(url.searchParams);
    expect(p).toMatchObject({
      SERVICE: 'CSW', VERSION: '2.0.2', REQUEST: 'GetRecords', RESULTTYPE: 'results', TYPENAMES: 'gmd:MD_Metadata',
      OUTPUTSCHEMA: 'http://www.isotc211.org/2005/gmd', ELEMENTSETNAME: 'full', STARTPOSITION: '101', MAXRECORDS: '50',
      SORTBY: 'apiso:Identifier:A',
    });
    expect(p.NAMESPACE).toContain('xmlns(gmd=http://www.isotc211.org/2005/gmd)');
    expect(p.NAMESPACE).toContain('xmlns(apiso=http://www.opengis.net/cat/csw/apiso/1.0)');
    expect(p.CONSTRAINT).toBeUndefined();
    expect(url.search).toContain('OUTPUTSCHEMA=http%3A%2F%2Fwww.isotc211.org%2F2005%2Fgmd');
  });

  it('puts the filter in a KVP CONSTRAINT as a standalone ogc:Filter', () => {
    const q = { ...ISO, modifiedSince: { property: 'apiso:Modified', date: '2024-03-09' } };
    const p = Object.fromEntries(new URL(getRecordsUrl('https://h/csw', q)).searchParams);
    expect(p.CONSTRAINTLANGUAGE).toBe('FILTER');
    expect(p.CONSTRAINT_LANGUAGE_VERSION).toBe('1.1.0');
    const filter = parseXml(p.CONSTRAINT).root;
    expect(filter.local).toBe('Filter');
    expect(textOf(select(filter, [OGC, 'PropertyIsGreaterThanOrEqualTo'], [OGC, 'Literal'])[0])).toBe('2024-03-09');
    const cql = Object.fromEntries(new URL(getRecordsUrl('https://h/csw', { ...q, constraint: { language: 'CQL_TEXT', text: "dc:type = 'dataset'" } })).searchParams);
    expect(cql).toMatchObject({ CONSTRAINTLANGUAGE: 'CQL_TEXT', CONSTRAINT: "(dc:type = 'dataset') AND apiso:Modified >= '2024-03-09'" });
  });

  it('builds a well-formed POST body in the order of CSW-discovery.xsd', () => {
    const body = getRecordsBody({ ...ISO, modifiedSince: { property: 'apiso:Modified', date: '2024-03-09' } });
    const root = parseXml(body).root;
    expect(root.attributes.map((a) => [a.local, a.value])).toEqual([
      ['service', 'CSW'], ['version', '2.0.2'], ['resultType', 'results'], ['startPosition', '101'], ['maxRecords', '50'],
      ['outputSchema', 'http://www.isotc211.org/2005/gmd'],
    ]);
    const query = select(root, [CSW, 'Query'])[0];
    expect(query.children.filter((c) => typeof c !== 'string').map((c) => (c as { local: string }).local)).toEqual(['ElementSetName', 'Constraint', 'SortBy']);
    expect(textOf(select(query, [OGC, 'SortBy'], [OGC, 'SortProperty'], [OGC, 'PropertyName'])[0])).toBe('apiso:Identifier');
  });

  it('escapes values in bodies and leaves the constraint out when there is none', () => {
    const body = getRecordsBody({ ...ISO, sortBy: undefined, constraint: { language: 'CQL_TEXT', text: "title LIKE '%<&>%'" } });
    expect(body).toContain('<csw:CqlText>title LIKE &#39;%&#60;&#38;&#62;%&#39;</csw:CqlText>');
    expect(body).not.toContain('SortBy');
    expect(getRecordsBody({ ...ISO })).not.toContain('Constraint');
  });

  it('ANDs the incremental clause with a Filter constraint, each alone otherwise', () => {
    const own = { language: 'FILTER' as const, xml: '<ogc:PropertyIsEqualTo><ogc:PropertyName>dc:type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>' };
    const since = { property: 'dct:modified', date: '2024-01-01' };
    expect(constraintOf({ ...ISO })).toBeUndefined();
    expect(constraintOf({ ...ISO, constraint: own })).toEqual(own);
    const both = constraintOf({ ...ISO, constraint: own, modifiedSince: since });
    expect(both).toMatchObject({ language: 'FILTER' });
    expect((both as { xml: string }).xml).toMatch(/^<ogc:And><ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>dct:modified<\/ogc:PropertyName><ogc:Literal>2024-01-01<\/ogc:Literal><\/ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyIsEqualTo>/);
  });

  it('reads a source constraint: CQL text, an operator fragment, or a whole ogc:Filter; refuses anything else', () => {
    expect(parseSourceConstraint("  dc:type = 'dataset' ")).toEqual({ language: 'CQL_TEXT', text: "dc:type = 'dataset'" });
    const fragment = parseSourceConstraint('<ogc:PropertyIsEqualTo><ogc:PropertyName>dc:type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>');
    expect(fragment).toEqual({
      language: 'FILTER',
      xml: '<ogc:PropertyIsEqualTo xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyName>dc:type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>',
    });
    const whole = parseSourceConstraint('<f:Filter xmlns:f="http://www.opengis.net/ogc"><f:Not><f:PropertyIsNull><f:PropertyName>x</f:PropertyName></f:PropertyIsNull></f:Not></f:Filter>');
    expect(whole).toMatchObject({ language: 'FILTER', xml: expect.stringMatching(/^<f:Not xmlns:f="http:\/\/www.opengis.net\/ogc">/) });
    expect(() => parseSourceConstraint('<ogc:A/><ogc:B/>')).toThrow(/one ogc:Filter or one OGC Filter 1.1 operator/);
    expect(() => parseSourceConstraint('<x:Evil xmlns:x="urn:x"/>')).toThrow(/one ogc:Filter/);
    expect(() => parseSourceConstraint('<!DOCTYPE x [<!ENTITY e "e">]><ogc:A/>')).toThrow(/not a well-formed OGC Filter fragment/);
    expect(() => parseSourceConstraint('  ')).toThrow(/empty/);
  });

  it('gives the since date one day early, as a date', () => {
    expect(sinceDate(new Date('2024-03-10T00:30:00Z'))).toBe('2024-03-09');
    expect(sinceDate(new Date('2024-01-01T12:00:00Z'), 2)).toBe('2023-12-30');
  });
});
