/**
 * OGC Filter Encoding parsing on the request bodies real CSW clients send (test/fixtures/csw-requests, see
 * its PROVENANCE.md: udata, OWSLib / QGIS MetaSearch, GeoNetwork's harvester), plus the Filter 1.0 / FES 2.0
 * spellings, GML geometries, axis orders and the errors a bad filter must give.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseXml, select, type XmlElement } from '../../../mappings/xml/index.ts';
import { HubError } from '../../../src/errors.ts';
import type { Filter } from '../../../src/publish/filter/ast.ts';
import { NS_OGC, parseOgcFilter, parseSortBy } from '../../../src/publish/filter/ogc-filter.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/csw-requests');
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';

const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
const root = (name: string): XmlElement => parseXml(fixture(name)).root;

/** The csw:Query of a GetRecords body. */
const query = (name: string): XmlElement => select(root(name), [CSW, 'Query'])[0];
const filterOf = (name: string): XmlElement => select(query(name), [CSW, 'Constraint'], [NS_OGC, 'Filter'])[0];
const sortByOf = (name: string): XmlElement => select(query(name), [NS_OGC, 'SortBy'])[0];

const ogc = (body: string, extra = ''): string =>
  `<ogc:Filter xmlns:ogc="${NS_OGC}" xmlns:gml="http://www.opengis.net/gml" ${extra}>${body}</ogc:Filter>`;

function rejects(fn: () => unknown, message: RegExp, locator = 'Constraint'): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HubError);
  const err = caught as HubError;
  expect(err.code).toBe('invalid_parameter');
  expect(err.locator).toBe(locator);
  expect(err.message).toMatch(message);
}

describe('parseOgcFilter on real client requests', () => {
  it("reads udata's apiso:type Or and its apiso:identifier SortBy", () => {
    const f = parseOgcFilter(filterOf('udata-csw-iso19139-apiso-type.xml'));
    expect(f).toEqual({
      op: 'or',
      args: ['dataset', 'nonGeographicDataset', 'series', 'service'].map((value) => ({ op: 'eq', property: 'apiso:type', value })),
    });
    expect(parseSortBy(sortByOf('udata-csw-iso19139-apiso-type.xml'))).toEqual([{ property: 'apiso:identifier', descending: false }]);
  });

  it("reads udata's older dc:type body with an Or declaring its own namespace", () => {
    const f = parseOgcFilter(filterOf('udata-csw-iso19139-dc-type.xml'));
    expect(f).toEqual({ op: 'or', args: ['dataset', 'service', 'series'].map((value) => ({ op: 'eq', property: 'dc:type', value })) });
  });

  it("reads udata's DCAT body: no constraint, a SortBy on the bare name identifier", () => {
    expect(select(query('udata-csw-dcat-sortby-identifier.xml'), [CSW, 'Constraint'])).toHaveLength(0);
    expect(parseSortBy(sortByOf('udata-csw-dcat-sortby-identifier.xml'))).toEqual([{ property: 'identifier', descending: false }]);
  });

  it("reads OWSLib's setConstraintList output as text, with its default LIKE characters", () => {
    const f = parseOgcFilter(fixture('owslib-fes-constraint-list.xml').toString('utf8'));
    expect(f).toEqual({
      op: 'or',
      args: [
        { op: 'like', property: 'property', pattern: 'like', wildCard: '%', singleChar: '_', escapeChar: '\\' },
        { op: 'eq', property: 'property', value: 'equal' },
        { op: 'lt', property: 'property', value: 'less' },
      ],
    });
  });

  it("reads OWSLib's BBox without a CRS and with CRS84 longitude first", () => {
    const expected = { op: 'bbox', property: 'ows:BoundingBox', envelope: { west: -170, south: -80, east: 170, north: 80 } };
    expect(parseOgcFilter(root('owslib-fes-bbox.xml'))).toEqual(expected);
    expect(parseOgcFilter(root('owslib-fes-bbox-crs84.xml'))).toEqual(expected);
  });

  it("reads OWSLib's SortBy with ASC and DESC keys", () => {
    expect(parseSortBy(root('owslib-fes-sortby.xml'))).toEqual([
      { property: 'property', descending: false },
      { property: 'another_property', descending: true },
    ]);
  });

  it("swaps QGIS MetaSearch's urn:ogc:def:crs:EPSG::4326 envelope back to longitude / latitude", () => {
    const f = parseOgcFilter(filterOf('qgis-metasearch-getrecords.xml'));
    expect(f).toEqual({
      op: 'and',
      args: [
        { op: 'bbox', property: 'ows:BoundingBox', envelope: { west: 55.2, south: -21.4, east: 55.9, north: -20.8 } },
        { op: 'like', property: 'csw:AnyText', pattern: 'parcellaire', wildCard: '%', singleChar: '_', escapeChar: '\\' },
      ],
    });
  });

  it("reads GeoNetwork's harvester filter: Or, Not, LIKE and a BBOX without srsName", () => {
    const f = parseOgcFilter(root('geonetwork-harvester-filter.xml'));
    expect(f).toEqual({
      op: 'and',
      args: [
        {
          op: 'or',
          args: [
            { op: 'like', property: 'AnyText', pattern: '%adresse%', wildCard: '%', singleChar: '_', escapeChar: '\\' },
            { op: 'not', arg: { op: 'eq', property: 'dc:type', value: 'service' } },
          ],
        },
        { op: 'bbox', property: 'ows:BoundingBox', envelope: { west: -5.5, south: 47, east: -1, north: 49 } },
      ],
    });
  });
});

describe('parseOgcFilter operators', () => {
  it('reads every comparison with matchCase, and a literal written first as the mirrored comparison', () => {
    const ops: [string, Filter['op']][] = [
      ['PropertyIsEqualTo', 'eq'], ['PropertyIsNotEqualTo', 'ne'], ['PropertyIsLessThan', 'lt'],
      ['PropertyIsGreaterThan', 'gt'], ['PropertyIsLessThanOrEqualTo', 'le'], ['PropertyIsGreaterThanOrEqualTo', 'ge'],
    ];
    for (const [el, op] of ops) {
      const f = parseOgcFilter(ogc(`<ogc:${el} matchCase="false"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal> Eau </ogc:Literal></ogc:${el}>`));
      expect(f).toEqual({ op, property: 'dc:title', value: 'Eau', matchCase: false });
    }
    const reversed = parseOgcFilter(ogc('<ogc:PropertyIsLessThan><ogc:Literal>2020</ogc:Literal><ogc:PropertyName>apiso:Modified</ogc:PropertyName></ogc:PropertyIsLessThan>'));
    expect(reversed).toEqual({ op: 'gt', property: 'apiso:Modified', value: '2020' });
  });

  it('reads PropertyIsLike with its own characters, Filter 1.0 escape and FES 2.0 ValueReference', () => {
    expect(parseOgcFilter(ogc('<ogc:PropertyIsLike wildCard="*" singleChar="?" escapeChar="!" matchCase="true"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal>a!*b*</ogc:Literal></ogc:PropertyIsLike>')))
      .toEqual({ op: 'like', property: 'dc:title', pattern: 'a!*b*', wildCard: '*', singleChar: '?', escapeChar: '!', matchCase: true });
    expect(parseOgcFilter(ogc('<ogc:PropertyIsLike wildCard="%" singleChar="_" escape="/"><ogc:PropertyName>apiso:identifier</ogc:PropertyName><ogc:Literal>r_ligur%</ogc:Literal></ogc:PropertyIsLike>')))
      .toMatchObject({ op: 'like', escapeChar: '/' });
    const fes = `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\\"><fes:ValueReference>dc:title</fes:ValueReference><fes:Literal>eau%</fes:Literal></fes:PropertyIsLike></fes:Filter>`;
    expect(parseOgcFilter(fes)).toEqual({ op: 'like', property: 'dc:title', pattern: 'eau%', wildCard: '%', singleChar: '_', escapeChar: '\\' });
  });

  it('reads Between, Null, Nil, Not and nested And / Or', () => {
    const f = parseOgcFilter(ogc(`<ogc:And>
      <ogc:PropertyIsBetween><ogc:PropertyName>apiso:Modified</ogc:PropertyName>
        <ogc:LowerBoundary><ogc:Literal>2015-01-01</ogc:Literal></ogc:LowerBoundary>
        <ogc:UpperBoundary><ogc:Literal>2016-12-31</ogc:Literal></ogc:UpperBoundary></ogc:PropertyIsBetween>
      <ogc:Or><ogc:PropertyIsNull><ogc:PropertyName>apiso:ParentIdentifier</ogc:PropertyName></ogc:PropertyIsNull>
        <ogc:Not><ogc:PropertyIsNil><ogc:PropertyName>apiso:Lineage</ogc:PropertyName></ogc:PropertyIsNil></ogc:Not></ogc:Or>
    </ogc:And>`));
    expect(f).toEqual({
      op: 'and',
      args: [
        { op: 'between', property: 'apiso:Modified', lower: '2015-01-01', upper: '2016-12-31' },
        { op: 'or', args: [{ op: 'null', property: 'apiso:ParentIdentifier' }, { op: 'not', arg: { op: 'null', property: 'apiso:Lineage' } }] },
      ],
    });
  });

  it('reads an empty Filter as true, and several top-level conditions as their conjunction', () => {
    expect(parseOgcFilter(ogc(''))).toEqual({ op: 'true' });
    const two = parseOgcFilter(ogc('<ogc:PropertyIsNull><ogc:PropertyName>a</ogc:PropertyName></ogc:PropertyIsNull><ogc:PropertyIsNull><ogc:PropertyName>b</ogc:PropertyName></ogc:PropertyIsNull>'));
    expect(two).toEqual({ op: 'and', args: [{ op: 'null', property: 'a' }, { op: 'null', property: 'b' }] });
  });

  it('resolves a property prefix from xmlns, not from its spelling', () => {
    const f = parseOgcFilter(ogc('<ogc:PropertyIsEqualTo><ogc:PropertyName>x:title</ogc:PropertyName><ogc:Literal>a</ogc:Literal></ogc:PropertyIsEqualTo>',
      'xmlns:x="http://purl.org/dc/elements/1.1/"'));
    expect(f).toMatchObject({ property: 'dc:title' });
    // An element in the OGC namespace under an unusual prefix is still the operator.
    const g = parseOgcFilter('<f:Filter xmlns:f="http://www.opengis.net/ogc"><f:PropertyIsNull><f:PropertyName>dc:title</f:PropertyName></f:PropertyIsNull></f:Filter>');
    expect(g).toEqual({ op: 'null', property: 'dc:title' });
    // The right local name in the wrong namespace is not.
    rejects(() => parseOgcFilter('<ogc:Filter xmlns:ogc="http://example.org/not-ogc"/>'), /Expected an ogc:Filter/);
  });
});

describe('parseOgcFilter geometries and axis order', () => {
  const bbox = (geometry: string): Filter =>
    parseOgcFilter(ogc(`<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName>${geometry}</ogc:BBOX>`));
  const envelope = (srs: string | null, lower: string, upper: string): string =>
    `<gml:Envelope${srs === null ? '' : ` srsName="${srs}"`}><gml:lowerCorner>${lower}</gml:lowerCorner><gml:upperCorner>${upper}</gml:upperCorner></gml:Envelope>`;
  const reunion = { west: 55.2, south: -21.4, east: 55.9, north: -20.8 };

  it('reads latitude first for the EPSG URN and URI forms, longitude first for the short and CRS84 forms', () => {
    for (const srs of ['urn:ogc:def:crs:EPSG::4326', 'urn:ogc:def:crs:EPSG:6.6:4326', 'http://www.opengis.net/def/crs/EPSG/0/4326']) {
      expect(bbox(envelope(srs, '-21.4 55.2', '-20.8 55.9')), srs).toMatchObject({ envelope: reunion });
    }
    for (const srs of [null, 'EPSG:4326', 'CRS:84', 'urn:ogc:def:crs:OGC:1.3:CRS84', 'http://www.opengis.net/def/crs/OGC/1.3/CRS84']) {
      expect(bbox(envelope(srs, '55.2 -21.4', '55.9 -20.8')), String(srs)).toMatchObject({ envelope: reunion });
    }
  });

  it('takes ETRS89 (EPSG:4258, INSPIRE) and RGF93 (EPSG:4171) as WGS 84, with the same axis-order rules', () => {
    for (const srs of ['urn:ogc:def:crs:EPSG::4258', 'http://www.opengis.net/def/crs/EPSG/0/4258', 'urn:ogc:def:crs:EPSG::4171']) {
      expect(bbox(envelope(srs, '-21.4 55.2', '-20.8 55.9')), srs).toMatchObject({ envelope: reunion });
    }
    for (const srs of ['EPSG:4258', 'EPSG:4171', 'http://www.opengis.net/gml/srs/epsg.xml#4258']) {
      expect(bbox(envelope(srs, '55.2 -21.4', '55.9 -20.8')), srs).toMatchObject({ envelope: reunion });
    }
    // Projected CRSs stay refused, whatever digits they share with these (EPSG:42580 does not exist; 32631 is UTM).
    for (const srs of ['EPSG:42580', 'urn:ogc:def:crs:EPSG::32631', 'EPSG:3857']) {
      rejects(() => bbox(envelope(srs, '0 0', '1 1')), /Unsupported CRS/);
    }
  });

  it('refuses another CRS, a latitude out of range and an inverted envelope', () => {
    rejects(() => bbox(envelope('EPSG:2154', '100000 6000000', '200000 7000000')), /Unsupported CRS 'EPSG:2154'/);
    // Longitude-first numbers sent under the latitude-first URN: the error names the axis order.
    rejects(() => bbox(envelope('urn:ogc:def:crs:EPSG::4326', '158.2 6.9', '158.3 7.0')), /latitude 158.2 is out of range.*axis order/);
    rejects(() => bbox(envelope(null, '0 10', '1 5')), /latitude 10 is above/);
  });

  it('keeps an envelope crossing the antimeridian as west > east', () => {
    expect(bbox(envelope(null, '170 -20', '-170 -10'))).toMatchObject({ envelope: { west: 170, south: -20, east: -170, north: -10 } });
  });

  it('reads gml:Box coordinates and gml:coord (GML 2), GML 3.2 and a 3D envelope', () => {
    expect(bbox('<gml:Box srsName="EPSG:4326"><gml:coordinates>-5,47 -1,49</gml:coordinates></gml:Box>'))
      .toMatchObject({ envelope: { west: -5, south: 47, east: -1, north: 49 } });
    expect(bbox('<gml:Box><gml:coord><gml:X>-5</gml:X><gml:Y>47</gml:Y></gml:coord><gml:coord><gml:X>-1</gml:X><gml:Y>49</gml:Y></gml:coord></gml:Box>'))
      .toMatchObject({ envelope: { west: -5, south: 47, east: -1, north: 49 } });
    expect(bbox('<gml32:Envelope xmlns:gml32="http://www.opengis.net/gml/3.2" srsDimension="3"><gml32:lowerCorner>-5 47 0</gml32:lowerCorner><gml32:upperCorner>-1 49 100</gml32:upperCorner></gml32:Envelope>'))
      .toMatchObject({ envelope: { west: -5, south: 47, east: -1, north: 49 } });
  });

  it('reads Intersects / Within / Contains / Disjoint / Equals / Overlaps, a polygon by its envelope', () => {
    const polygon = `<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing>
      <gml:posList>47 -5 47 -1 49 -1 49 -5 47 -5</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`;
    for (const [el, op] of [['Intersects', 'intersects'], ['Within', 'within'], ['Contains', 'contains'], ['Disjoint', 'disjoint'], ['Equals', 'equals'], ['Overlaps', 'overlaps']]) {
      const f = parseOgcFilter(ogc(`<ogc:${el}><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName>${polygon}</ogc:${el}>`));
      expect(f).toEqual({ op, property: 'ows:BoundingBox', envelope: { west: -5, south: 47, east: -1, north: 49 } });
    }
  });

  it('defaults the BBOX property to ows:BoundingBox (optional in Filter 1.1)', () => {
    expect(parseOgcFilter(ogc(`<ogc:BBOX>${envelope(null, '-5 47', '-1 49')}</ogc:BBOX>`))).toMatchObject({ property: 'ows:BoundingBox' });
  });
});

describe('parseOgcFilter errors', () => {
  it('names the element of a bad filter', () => {
    rejects(() => parseOgcFilter('<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyIsEqualTo>'), /not well-formed XML/);
    rejects(() => parseOgcFilter(ogc('<ogc:PropertyIsFoo/>')), /Unknown filter element ogc:PropertyIsFoo/);
    rejects(() => parseOgcFilter(ogc('<ogc:DWithin/>')), /ogc:DWithin is not supported/);
    rejects(() => parseOgcFilter(ogc('<ogc:PropertyIsEqualTo><ogc:PropertyName>dc:title</ogc:PropertyName></ogc:PropertyIsEqualTo>')),
      /ogc:PropertyIsEqualTo must contain a PropertyName .* and a Literal; found ogc:PropertyName/);
    rejects(() => parseOgcFilter(ogc('<ogc:Not/>')), /ogc:Not must contain exactly one condition, found 0/);
    rejects(() => parseOgcFilter(ogc('<ogc:PropertyIsLike wildCard="**"><ogc:PropertyName>a</ogc:PropertyName><ogc:Literal>x</ogc:Literal></ogc:PropertyIsLike>')),
      /wildCard="\*\*" must be a single character/);
    rejects(() => parseOgcFilter(ogc('<ogc:PropertyIsEqualTo matchCase="maybe"><ogc:PropertyName>a</ogc:PropertyName><ogc:Literal>x</ogc:Literal></ogc:PropertyIsEqualTo>')),
      /matchCase="maybe" is not a boolean/);
    rejects(() => parseOgcFilter(ogc('<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope><gml:lowerCorner>a b</gml:lowerCorner><gml:upperCorner>1 2</gml:upperCorner></gml:Envelope></ogc:BBOX>')),
      /gml:lowerCorner: 'a' is not a number/);
    rejects(() => parseOgcFilter(ogc('<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName></ogc:BBOX>')), /needs a GML geometry/);
  });

  it('refuses a document with entity declarations (the safe XML layer)', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><ogc:Filter xmlns:ogc="http://www.opengis.net/ogc">&x;</ogc:Filter>';
    rejects(() => parseOgcFilter(xxe), /entity/i);
  });

  it('gives SortBy errors the SortBy locator', () => {
    const sortBy = (body: string): XmlElement => parseXml(`<ogc:SortBy xmlns:ogc="${NS_OGC}">${body}</ogc:SortBy>`).root;
    rejects(() => parseSortBy(sortBy('<ogc:SortProperty><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:SortOrder>UP</ogc:SortOrder></ogc:SortProperty>')),
      /SortOrder must be ASC or DESC, got 'UP'/, 'SortBy');
    rejects(() => parseSortBy(sortBy('<ogc:SortProperty><ogc:SortOrder>ASC</ogc:SortOrder></ogc:SortProperty>')), /needs a PropertyName/, 'SortBy');
    expect(parseSortBy(sortBy('<ogc:SortProperty><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:SortOrder>d</ogc:SortOrder></ogc:SortProperty>')))
      .toEqual([{ property: 'dc:title', descending: true }]);
  });
});
