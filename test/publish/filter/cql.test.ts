/**
 * CQL_TEXT parsing: the constraints real clients send (test/fixtures/csw-requests: GeoNetwork's harvester,
 * cql-clients.txt), every construct of the grammar, axis order of BBOX, and errors with their position.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/errors.ts';
import { parseCql } from '../../../src/publish/filter/cql.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/csw-requests');
const like = (property: string, pattern: string) => ({ op: 'like', property, pattern, wildCard: '%', singleChar: '_', escapeChar: '\\' });

function rejects(text: string, message: RegExp): void {
  let caught: unknown;
  try {
    parseCql(text);
  } catch (e) {
    caught = e;
  }
  expect(caught, text).toBeInstanceOf(HubError);
  expect((caught as HubError).code).toBe('invalid_parameter');
  expect((caught as HubError).locator).toBe('Constraint');
  expect((caught as HubError).message).toMatch(message);
}

describe('parseCql on real client constraints', () => {
  it("reads GeoNetwork's harvester CQL: lower-case like, And after a no-break space, BBOX(the_geom, …)", () => {
    const text = readFileSync(path.join(FIXTURES, 'geonetwork-harvester-cql.txt'), 'utf8');
    expect(text).toContain('And\u00a0dc:type');
    expect(parseCql(text)).toEqual({
      op: 'and',
      args: [
        like('AnyText', '%adresse%'),
        { op: 'eq', property: 'dc:type', value: 'dataset' },
        { op: 'bbox', property: 'the_geom', envelope: { west: -5.5, south: 47, east: -1, north: 49 } },
      ],
    });
  });

  it('reads every constraint of cql-clients.txt', () => {
    const lines = readFileSync(path.join(FIXTURES, 'cql-clients.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const parsed = lines.map((l) => parseCql(l.split('\t')[1]));
    expect(parsed).toEqual([
      { op: 'eq', property: 'dc:type', value: 'model' },
      like('csw:AnyText', '%codigo postal%'),
      like('apiso:Type', 'series'),
      like('apiso:ParentIdentifier', 'someparentid'),
      { op: 'eq', property: 'ResourceIdentifier', value: 'https://registry.gdi-de.org/id/de.nw/WUP-GUID_4760800e-baee-482e-8c71-6c0498b5c6df' },
      like('csw:AnyText', '%pollution%'),
    ]);
  });
});

describe('parseCql grammar', () => {
  it('gives NOT over AND over OR, and parentheses their way', () => {
    expect(parseCql("a = '1' OR b = '2' AND NOT c = '3'")).toEqual({
      op: 'or',
      args: [
        { op: 'eq', property: 'a', value: '1' },
        { op: 'and', args: [{ op: 'eq', property: 'b', value: '2' }, { op: 'not', arg: { op: 'eq', property: 'c', value: '3' } }] },
      ],
    });
    expect(parseCql("(a = '1' OR b = '2') AND c = '3'")).toEqual({
      op: 'and',
      args: [{ op: 'or', args: [{ op: 'eq', property: 'a', value: '1' }, { op: 'eq', property: 'b', value: '2' }] }, { op: 'eq', property: 'c', value: '3' }],
    });
  });

  it('reads every comparison operator, numbers, booleans, bare dates and a literal written first', () => {
    const ops = { '=': 'eq', '<>': 'ne', '!=': 'ne', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge' };
    for (const [sym, op] of Object.entries(ops)) expect(parseCql(`apiso:Denominator ${sym} -2.5e3`)).toEqual({ op, property: 'apiso:Denominator', value: -2500 });
    expect(parseCql('apiso:HasSecurityConstraints = TRUE')).toEqual({ op: 'eq', property: 'apiso:HasSecurityConstraints', value: true });
    expect(parseCql('apiso:Modified >= 2020-01-01T10:00:00Z')).toEqual({ op: 'ge', property: 'apiso:Modified', value: '2020-01-01T10:00:00Z' });
    expect(parseCql("'2020-01-01' < apiso:Modified")).toEqual({ op: 'gt', property: 'apiso:Modified', value: '2020-01-01' });
    expect(parseCql('apiso:Modified AFTER 2020-01-01')).toEqual({ op: 'gt', property: 'apiso:Modified', value: '2020-01-01' });
  });

  it("reads quoted strings with '' and double-quoted property names", () => {
    expect(parseCql(`"dc:title" = 'L''eau, c''est la vie'`)).toEqual({ op: 'eq', property: 'dc:title', value: "L'eau, c'est la vie" });
    expect(parseCql(`"name with ""quote""" IS NULL`)).toEqual({ op: 'null', property: 'name with "quote"' });
  });

  it('reads LIKE, ILIKE, NOT LIKE, BETWEEN, NOT BETWEEN, IN, NOT IN, IS [NOT] NULL', () => {
    expect(parseCql("dc:title ILIKE 'plan%'")).toEqual({ ...like('dc:title', 'plan%'), matchCase: false });
    expect(parseCql("dc:title NOT LIKE '%test%'")).toEqual({ op: 'not', arg: like('dc:title', '%test%') });
    expect(parseCql("apiso:Modified BETWEEN '2015-01-01' AND '2016-01-01'"))
      .toEqual({ op: 'between', property: 'apiso:Modified', lower: '2015-01-01', upper: '2016-01-01' });
    expect(parseCql('apiso:Denominator NOT BETWEEN 1000 AND 10000'))
      .toEqual({ op: 'not', arg: { op: 'between', property: 'apiso:Denominator', lower: 1000, upper: 10000 } });
    expect(parseCql("dc:type IN ('dataset', 'series')"))
      .toEqual({ op: 'or', args: [{ op: 'eq', property: 'dc:type', value: 'dataset' }, { op: 'eq', property: 'dc:type', value: 'series' }] });
    expect(parseCql("dc:type not in ('service')")).toEqual({ op: 'not', arg: { op: 'eq', property: 'dc:type', value: 'service' } });
    expect(parseCql('apiso:Abstract IS NOT NULL')).toEqual({ op: 'not', arg: { op: 'null', property: 'apiso:Abstract' } });
  });

  it('reads BBOX with the axis order of its CRS', () => {
    const reunion = { west: 55.2, south: -21.4, east: 55.9, north: -20.8 };
    expect(parseCql('BBOX(ows:BoundingBox, 55.2, -21.4, 55.9, -20.8)')).toEqual({ op: 'bbox', property: 'ows:BoundingBox', envelope: reunion });
    expect(parseCql("BBOX(ows:BoundingBox, 55.2, -21.4, 55.9, -20.8, 'EPSG:4326')")).toMatchObject({ envelope: reunion });
    expect(parseCql("BBOX(ows:BoundingBox, -21.4, 55.2, -20.8, 55.9, 'urn:ogc:def:crs:EPSG::4326')")).toMatchObject({ envelope: reunion });
    rejects("BBOX(ows:BoundingBox, 0, 0, 1, 1, 'EPSG:3857')", /Unsupported CRS 'EPSG:3857'/);
  });

  it('reads spatial operators on ENVELOPE (west, east, north, south) and WKT by its bounding box', () => {
    const env = { west: -5, south: 47, east: -1, north: 49 };
    expect(parseCql('INTERSECTS(ows:BoundingBox, ENVELOPE(-5, -1, 49, 47))')).toEqual({ op: 'intersects', property: 'ows:BoundingBox', envelope: env });
    expect(parseCql('within(apiso:BoundingBox, POLYGON((-5 47, -1 47, -1 49, -5 49, -5 47)))')).toEqual({ op: 'within', property: 'apiso:BoundingBox', envelope: env });
    expect(parseCql('DISJOINT(geometry, MULTIPOLYGON(((-5 47, -4 47, -4 48, -5 47)), ((-2 48, -1 49, -1 48, -2 48))))'))
      .toEqual({ op: 'disjoint', property: 'geometry', envelope: env });
    expect(parseCql('CONTAINS(geometry, POINT(2.35 48.85))')).toMatchObject({ envelope: { west: 2.35, south: 48.85, east: 2.35, north: 48.85 } });
  });

  it('reads INCLUDE / EXCLUDE and an empty text', () => {
    expect(parseCql('INCLUDE')).toEqual({ op: 'true' });
    expect(parseCql('EXCLUDE')).toEqual({ op: 'false' });
    expect(parseCql('  ')).toEqual({ op: 'true' });
  });
});

describe('parseCql errors', () => {
  it('gives the position and what was expected', () => {
    rejects("dc:title = 'eau", /character 12: unterminated string/);
    rejects("dc:title 'eau'", /character 10: expected a comparison operator .* found the string 'eau'/);
    rejects("dc:title = 'a' AND", /character 19: expected a property name, found the end of the text/);
    rejects("(dc:title = 'a'", /expected '\)', found the end of the text/);
    rejects("dc:title = 'a' dc:type = 'b'", /character 16: expected AND, OR or the end of the filter, found 'dc:type'/);
    rejects('dc:title = ', /expected a literal/);
    rejects("dc:title # 'a'", /character 10: unexpected character '#'/);
    rejects('DWITHIN(geometry, POINT(1 2), 10, meters)', /DWITHIN is not supported/);
    rejects('FOO(geometry, POINT(1 2))', /unknown function FOO/);
    rejects('INTERSECTS(geometry, ENVELOPE(-5, -1, 100, 47))', /latitude 100 is out of range/);
    rejects("dc:title NOT = 'a'", /expected LIKE, ILIKE, BETWEEN or IN after NOT/);
  });

  it('refuses nesting deeper than the parser allows and an overlong text', () => {
    rejects(`${'('.repeat(200)}a = 1${')'.repeat(200)}`, /nested deeper than 100/);
    rejects(`dc:title = '${'x'.repeat(70_000)}'`, /longer than 65536 characters/);
  });
});
