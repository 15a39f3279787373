import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.ts';
import { parseBbox, parseDateBound, parseSearchQuery, SEARCH_PARAMETERS, type RawParams } from '../../src/search/query.ts';

/** The HubError a parse throws (fails the test when it does not throw). */
function rejection(params: RawParams): HubError {
  try {
    parseSearchQuery(params);
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('GET /api/search parameters', () => {
  it('has defaults: relevance, page 1, 20 per page, the five default facets', () => {
    expect(parseSearchQuery({})).toEqual({ sort: 'relevance', page: 1, limit: 20, facets: ['type', 'source', 'keyword', 'format', 'license'], facetLimit: 10 });
  });

  it('keeps the text query trimmed and drops an empty one (a browse)', () => {
    expect(parseSearchQuery({ q: '  "plan local" OR cadastre -rennes ' }).q).toBe('"plan local" OR cadastre -rennes');
    expect(parseSearchQuery({ q: '   ' })).not.toHaveProperty('q');
    const long = rejection({ q: 'x'.repeat(501) });
    expect(long).toMatchObject({ code: 'invalid_parameter', locator: 'q' });
    expect(long.message).toContain('500 characters');
  });

  it('accepts repeated and comma-separated filter values, trimmed and distinct', () => {
    const q = parseSearchQuery({ source: ['geobretagne, datagouv', 'geobretagne'], keyword: 'Adresses', format: ['GeoJSON', ''],
      license: 'etalab-2.0,odbl-1.0', organisation: 'Région Bretagne' });
    expect(q).toMatchObject({ source: ['geobretagne', 'datagouv'], keyword: ['Adresses'], format: ['GeoJSON'],
      license: ['etalab-2.0', 'odbl-1.0'], organisation: ['Région Bretagne'] });
    expect(parseSearchQuery({ type: '' })).not.toHaveProperty('type');
  });

  it('checks type and topic against the ISO code lists, case-insensitively, and names the accepted values', () => {
    expect(parseSearchQuery({ type: 'Dataset,SERIES,nongeographicdataset' }).type).toEqual(['dataset', 'series', 'nonGeographicDataset']);
    expect(parseSearchQuery({ topic: 'planningcadastre' }).topic).toEqual(['planningCadastre']);
    const type = rejection({ type: 'dataset,map' });
    expect(type).toMatchObject({ code: 'invalid_parameter', locator: 'type', status: 400 });
    expect(type.details).toMatchObject({ parameter: 'type', value: 'map' });
    expect(type.message).toMatch(/"map".*Accepted: dataset, series, service/);
    expect(rejection({ topic: 'weather' }).message).toContain('climatologyMeteorologyAtmosphere');
  });

  it('refuses free values with control characters, too long, or too many', () => {
    expect(rejection({ keyword: 'a\u0000b' }).locator).toBe('keyword');
    expect(rejection({ source: 's'.repeat(201) }).locator).toBe('source');
    expect(rejection({ format: Array.from({ length: 51 }, (_, i) => `f${i}`) }).message).toContain('at most 50 values');
  });

  it('parses a bbox, and splits one crossing the antimeridian in two', () => {
    expect(parseSearchQuery({ bbox: '-5.2,47.2,-1,48.9' }).bbox).toEqual([{ west: -5.2, south: 47.2, east: -1, north: 48.9 }]);
    expect(parseBbox('170,-20,-170,-10')).toEqual([
      { west: 170, south: -20, east: 180, north: -10 }, { west: -180, south: -20, east: -170, north: -10 }]);
    expect(parseBbox('-180,-90,180,90')).toEqual([{ west: -180, south: -90, east: 180, north: 90 }]);
    expect(parseBbox(' 1e0 , .5 , 2. , +3 ')).toEqual([{ west: 1, south: 0.5, east: 2, north: 3 }]);
  });

  it('refuses a bbox with the wrong count, non-numbers, out-of-range values or miny > maxy, saying what is accepted', () => {
    for (const [value, why] of [['1,2,3', 'four comma-separated numbers'], ['1,2,3,x', 'four'], ['1,2,3,NaN', 'four'],
      ['-181,0,0,1', 'longitude out of range'], ['0,0,180.5,1', 'longitude'], ['0,-91,1,1', 'latitude out of range'],
      ['0,10,1,5', 'miny is greater than maxy']] as const) {
      const err = rejection({ bbox: value });
      expect(err.locator, value).toBe('bbox');
      expect(err.message, value).toContain(why);
      expect(err.message, value).toContain('minx,miny,maxx,maxy in WGS 84');
      expect(err.details).toMatchObject({ parameter: 'bbox', value });
    }
  });

  it('reads from/to as a day, a month or a year, a period meaning its first day (from) or last day (to)', () => {
    expect(parseSearchQuery({ from: '2020', to: '2020' })).toMatchObject({ from: '2020-01-01', to: '2020-12-31' });
    expect(parseSearchQuery({ from: '2024-02', to: '2024-02' })).toMatchObject({ from: '2024-02-01', to: '2024-02-29' });
    expect(parseSearchQuery({ from: '2023-02', to: '2023-02' })).toMatchObject({ to: '2023-02-28' });
    expect(parseDateBound('from', '2021-06-15')).toBe('2021-06-15');
    expect(parseDateBound('to', '1999-12-31')).toBe('1999-12-31');
  });

  it('refuses impossible or malformed dates and a from after to', () => {
    for (const value of ['2021-13', '2021-02-30', '2021-00-10', '21-01-01', '2021/01/01', '2021-1-1', 'yesterday']) {
      const err = rejection({ from: value });
      expect(err.locator, value).toBe('from');
      expect(err.message, value).toContain('YYYY-MM-DD');
    }
    const order = rejection({ from: '2022', to: '2021-12' });
    expect(order).toMatchObject({ locator: 'to' });
    expect(order.message).toContain('on or after from');
  });

  it('accepts the three sorts only', () => {
    expect(parseSearchQuery({ sort: 'date' }).sort).toBe('date');
    expect(parseSearchQuery({ sort: 'Title' }).sort).toBe('title');
    expect(rejection({ sort: 'newest' }).message).toContain('Accepted: relevance, date, title');
  });

  it('bounds page and limit, and stops pages at 10,000 results', () => {
    expect(parseSearchQuery({ page: '3', limit: '100' })).toMatchObject({ page: 3, limit: 100 });
    for (const [name, value] of [['limit', '0'], ['limit', '101'], ['limit', '-1'], ['limit', '2.5'], ['limit', 'ten'],
      ['page', '0'], ['page', '1e3'], ['page', '99999999999']] as const) {
      const err = rejection({ [name]: value });
      expect(err.locator, `${name}=${value}`).toBe(name);
      expect(err.message).toContain('an integer from');
    }
    expect(parseSearchQuery({ page: '100', limit: '100' }).page).toBe(100);
    const deep = rejection({ page: '101', limit: '100' });
    expect(deep.message).toContain('/records');
    expect(parseSearchQuery({ page: '500' }).page).toBe(500);
  });

  it('takes a list of facets, none with an empty value, and refuses unknown ones', () => {
    expect(parseSearchQuery({ facets: 'topic, organisation' }).facets).toEqual(['topic', 'organisation']);
    expect(parseSearchQuery({ facets: '' }).facets).toEqual([]);
    expect(parseSearchQuery({ facetLimit: '25' }).facetLimit).toBe(25);
    expect(rejection({ facets: 'type,colour' }).message).toContain('Accepted: type, source, keyword, format, license, topic, organisation');
    expect(rejection({ facetLimit: '0' }).locator).toBe('facetLimit');
  });

  it('refuses a single-valued parameter given twice', () => {
    for (const name of ['q', 'bbox', 'from', 'to', 'sort', 'page', 'limit', 'facets']) {
      const err = rejection({ [name]: ['1', '2'] });
      expect(err.locator, name).toBe(name);
      expect(err.message).toContain('more than once');
    }
  });

  it('refuses unknown parameters, listing the accepted ones', () => {
    const err = rejection({ q: 'eau', bbbox: '0,0,1,1', lang: 'fr' });
    expect(err).toMatchObject({ code: 'unknown_parameter', status: 400, locator: 'bbbox' });
    expect(err.message).toContain('"bbbox", "lang"');
    for (const p of SEARCH_PARAMETERS) expect(err.message).toContain(p);
    expect(err.details).toMatchObject({ parameters: ['bbbox', 'lang'] });
  });
});
