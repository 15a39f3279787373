import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/errors.ts';
import {
  checkKnown, parseBbox, parseDatetime, parseLimit, parseOffset, parseQ, parseSortby, type RawQuery,
} from '../../../src/publish/records/params.ts';
import { datetimeFilter, itemsFilter, SORTABLE_NAMES } from '../../../src/publish/records/filter.ts';
import { compileFilter } from '../../../src/publish/filter/sql.ts';

function rejects(fn: () => unknown, locator: string): HubError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).status).toBe(400);
    expect((err as HubError).locator).toBe(locator);
    return err as HubError;
  }
  throw new Error('expected a 400');
}

describe('OGC API - Records query parameters', () => {
  it('reads bbox as lon/lat, ignores heights and splits a box crossing the antimeridian', () => {
    expect(parseBbox({ bbox: '-5,47,-1,49' })).toEqual([{ west: -5, south: 47, east: -1, north: 49 }]);
    expect(parseBbox({ bbox: '-5,47,0,-1,49,100' })).toEqual([{ west: -5, south: 47, east: -1, north: 49 }]);
    expect(parseBbox({ bbox: '170,-10,-170,10' })).toEqual([
      { west: 170, south: -10, east: 180, north: 10 }, { west: -180, south: -10, east: -170, north: 10 }]);
    expect(parseBbox({ bbox: '' })).toEqual([]);
  });

  it('rejects malformed boxes naming bbox', () => {
    for (const bbox of ['1,2,3', '1,2,3,4,5', 'a,b,c,d', '0x10,0,1,1', '1,,2,3', '0,50,10,40', '-200,0,0,10', '0,-95,1,1']) {
      rejects(() => parseBbox({ bbox }), 'bbox');
    }
  });

  it('reads datetime instants, dates as whole days, and open or closed intervals', () => {
    expect(parseDatetime({ datetime: '2020-06-30T12:00:00Z' })).toEqual({ start: '2020-06-30T12:00:00.000Z', end: '2020-06-30T12:00:00.000Z' });
    expect(parseDatetime({ datetime: '2020-06-30T14:00:00+02:00' })).toEqual({ start: '2020-06-30T12:00:00.000Z', end: '2020-06-30T12:00:00.000Z' });
    expect(parseDatetime({ datetime: '2020-06-30' })).toEqual({ start: '2020-06-30T00:00:00.000Z', end: '2020-06-30T23:59:59.999Z' });
    expect(parseDatetime({ datetime: '2019-01-01/2020-12-31' })).toEqual({ start: '2019-01-01T00:00:00.000Z', end: '2020-12-31T23:59:59.999Z' });
    expect(parseDatetime({ datetime: '../2000-01-01' })).toEqual({ start: null, end: '2000-01-01T23:59:59.999Z' });
    expect(parseDatetime({ datetime: '2000-01-01T00:00:00Z/' })).toEqual({ start: '2000-01-01T00:00:00.000Z', end: null });
  });

  it('rejects impossible dates, unparseable text, reversed and unbounded intervals', () => {
    for (const datetime of ['2020-13-01', '2021-02-29', 'yesterday', '2020', '2020-06-30T25:00:00Z', '../..', '/',
      '2021-01-01/2020-01-01', '2020-01-01/2020-02-01/2020-03-01', '2020-06-30T12:00:00']) {
      rejects(() => parseDatetime({ datetime }), 'datetime');
    }
  });

  it('serves a limit above the maximum as the maximum, and rejects limits and offsets that are not counts', () => {
    expect(parseLimit({})).toBe(10);
    expect(parseLimit({ limit: '5000' })).toBe(1000);
    for (const limit of ['0', '-1', 'abc', '1.5']) rejects(() => parseLimit({ limit }), 'limit');
    expect(parseOffset({ offset: '20' })).toBe(20);
    for (const offset of ['-1', 'x', '99999999999']) rejects(() => parseOffset({ offset }), 'offset');
    rejects(() => parseLimit({ limit: ['1', '2'] }), 'limit');
  });

  it('splits q into normalised phrases: commas are alternatives, words stay together', () => {
    expect(parseQ({ q: 'Tâche  Urbaine, ADRESSE ,,' })).toEqual(['tache urbaine', 'adresse']);
    rejects(() => parseQ({ q: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }), 'q');
  });

  it('accepts sortby keys among the sortables only, + or nothing ascending and - descending', () => {
    expect(parseSortby({ sortby: 'title, -updated,+type' }, SORTABLE_NAMES)).toEqual([
      { name: 'title', descending: false }, { name: 'updated', descending: true }, { name: 'type', descending: false }]);
    const err = rejects(() => parseSortby({ sortby: 'abstract' }, SORTABLE_NAMES), 'sortby');
    expect(err.message).toContain('title');
  });

  it('rejects parameters the endpoint does not define, listing those it does', () => {
    const err = new Error('none');
    try {
      checkKnown({ limit: '1', bboxcrs: 'x' } as RawQuery, ['limit', 'bbox']);
    } catch (e) {
      expect((e as HubError).status).toBe(400);
      expect((e as HubError).message).toContain('bboxcrs');
      expect((e as HubError).message).toContain('limit, bbox');
      return;
    }
    throw err;
  });

  it('compiles every parameter to one SQL condition whose literals are all parameters', () => {
    const where = compileFilter(itemsFilter({
      q: ["l'eau 100%"], bbox: [{ west: 1, south: 2, east: 3, north: 4 }], datetime: { start: '2020-01-01T00:00:00.000Z', end: null },
      types: ['dataset', 'series'], ids: ['a'], externalIds: ['ns:', 'x'], limit: 10, offset: 0, sortby: [],
    }, 'bretagne'));
    expect(where.sql).not.toContain('bretagne');
    expect(where.sql).not.toContain('dataset');
    expect(where.params).toContain('bretagne');
    // The client's % is a literal percent sign: escaped, unlike the wildcards around it.
    expect(where.params.some((p) => /^%+l'eau 100\\%%+$/.test(String(p)))).toBe(true);
    expect(where.params).toContain('ns:%');
    expect(compileFilter(datetimeFilter({ start: null, end: '2000-01-01T00:00:00.000Z' })).sql).toMatch(/temp_begin/);
  });
});
