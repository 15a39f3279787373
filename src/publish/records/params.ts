/**
 * Query parameters of OGC API - Records (OGC 20-004r1 §7.3, "Record core query parameters", and the sorting
 * building block), parsed and checked here into plain values; src/publish/records/filter.ts turns them into the
 * filter tree. Pure: every bad value is a HubError `invalid_parameter` naming the parameter (rendered as a 400).
 *
 * Rules taken from the standards:
 * - a parameter given with an empty value is ignored (Records /req/record-core-query-parameters/empty-value);
 * - a parameter the API does not define is a 400 (Features /req/core/query-param-invalid);
 * - `limit` above the maximum is not an error: the maximum is used (Features §7.15.3, permission 6);
 * - `bbox` is longitude/latitude (CRS84), 4 or 6 numbers, west > east crossing the antimeridian (Features §7.15.4);
 * - `datetime` is an RFC 3339 instant or an interval `a/b`, an open end written `..` or left empty (§7.15.5).
 */
import { HubError } from '../../errors.ts';
import { normaliseText } from '../../../mappings/queryables.ts';
import type { Envelope } from '../filter/ast.ts';

/** The query as koa gives it: a repeated parameter is an array. */
export type RawQuery = Record<string, string | string[] | undefined>;

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1000;
/** Beyond PostgreSQL's int4, an offset is no longer a page anyone reaches by following links. */
const MAX_OFFSET = 2_147_483_647;
/** Bounds on `q`, so that one request cannot ask for thousands of substring scans. */
const MAX_TERMS = 20;
const MAX_TERM_LENGTH = 200;

/** A time interval as ISO instants (UTC); null is an open end. */
export interface TimeInterval {
  start: string | null;
  end: string | null;
}

/** One key of `sortby`, by its public (sortables) name. */
export interface SortByKey {
  name: string;
  descending: boolean;
}

export interface ItemsQuery {
  /** Phrases of `q`, normalised like csw:AnyText; a record matches when it contains any of them. */
  q: string[];
  /** Envelopes of `bbox` (two when it crosses the antimeridian); a record matches when any box intersects one. */
  bbox: Envelope[];
  datetime: TimeInterval | null;
  types: string[];
  ids: string[];
  externalIds: string[];
  limit: number;
  offset: number;
  sortby: SortByKey[];
}

function invalid(name: string, message: string): HubError {
  return new HubError('invalid_parameter', `${name}: ${message}`, { locator: name });
}

/** A parameter's single value; '' and absent are both undefined (ignored), a repeated one is an error. */
export function single(query: RawQuery, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw invalid(name, 'given more than once.');
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Rejects any parameter the endpoint does not define (Features /req/core/query-param-invalid). */
export function checkKnown(query: RawQuery, known: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!known.includes(name)) {
      throw new HubError('unknown_parameter', `Unknown parameter "${name}"; this endpoint accepts: ${known.join(', ')}.`,
        { locator: name });
    }
  }
}

function integer(query: RawQuery, name: string, dflt: number, min: number, max: number): number {
  const v = single(query, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim())) throw invalid(name, `an integer of at least ${min} is expected, got "${v}".`);
  const n = Number(v.trim());
  if (n < min || n > max) throw invalid(name, `must be between ${min} and ${max}, got ${v}.`);
  return n;
}

/** `limit`: 1 or more; larger than MAX_LIMIT is served as MAX_LIMIT, as OGC API - Features asks. */
export function parseLimit(query: RawQuery): number {
  return Math.min(integer(query, 'limit', DEFAULT_LIMIT, 1, Number.MAX_SAFE_INTEGER), MAX_LIMIT);
}

export function parseOffset(query: RawQuery): number {
  return integer(query, 'offset', 0, 0, MAX_OFFSET);
}

/** Comma-separated values (OpenAPI `style: form, explode: false`), trimmed, empties dropped. */
export function list(query: RawQuery, name: string): string[] {
  const v = single(query, name);
  return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * `q`: commas separate alternatives (OR); whitespace-separated words form a phrase that must appear as such,
 * words in that order separated by any whitespace (Records /req/record-core-query-parameters/q-response).
 * Matching is case- and accent-insensitive: phrases are normalised like the catalogue's AnyText column.
 */
export function parseQ(query: RawQuery): string[] {
  const phrases = [...new Set(list(query, 'q').map(normaliseText).filter((p) => p !== ''))];
  if (phrases.length > MAX_TERMS) throw invalid('q', `at most ${MAX_TERMS} comma-separated terms.`);
  const long = phrases.find((p) => p.length > MAX_TERM_LENGTH);
  if (long) throw invalid('q', `a term may have at most ${MAX_TERM_LENGTH} characters.`);
  return phrases;
}

function coordinate(text: string): number {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: only plain decimal numbers are coordinates.
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw invalid('bbox', `"${text}" is not a number.`);
  return Number(t);
}

/** `bbox`: minLon,minLat,maxLon,maxLat (or with min/max heights, which are ignored). */
export function parseBbox(query: RawQuery): Envelope[] {
  const v = single(query, 'bbox');
  if (v === undefined) return [];
  const n = v.split(',').map(coordinate);
  if (n.length !== 4 && n.length !== 6) throw invalid('bbox', `4 or 6 comma-separated numbers are expected, got ${n.length}.`);
  const [west, south, east, north] = n.length === 4 ? n : [n[0], n[1], n[3], n[4]];
  if ([west, east].some((x) => x < -180 || x > 180)) throw invalid('bbox', 'longitudes must be between -180 and 180.');
  if ([south, north].some((y) => y < -90 || y > 90)) throw invalid('bbox', 'latitudes must be between -90 and 90.');
  if (south > north) throw invalid('bbox', 'the lower latitude is greater than the upper one.');
  // A box whose west edge is east of its east edge crosses the antimeridian: two boxes, either may intersect.
  if (west > east) return [{ west, south, east: 180, north }, { west: -180, south, east, north }];
  return [{ west, south, east, north }];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function validDay(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** One bound of `datetime` as an instant: a date stands for its first or last instant (UTC). */
function instant(text: string, bound: 'start' | 'end'): string {
  const d = DATE.exec(text);
  if (d && validDay(Number(d[1]), Number(d[2]), Number(d[3]))) {
    return `${text}T${bound === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`;
  }
  const t = DATE_TIME.exec(text);
  if (t && validDay(Number(t[1]), Number(t[2]), Number(t[3])) && Number(t[4]) < 24 && Number(t[5]) < 60 && Number(t[6]) < 60) {
    return new Date(text.replace(' ', 'T')).toISOString();
  }
  throw invalid('datetime', `"${text}" is neither an RFC 3339 date-time (2020-06-30T12:00:00Z) nor a date (2020-06-30).`);
}

/** `datetime`: an instant, or an interval with `..` (or nothing) for an open end. */
export function parseDatetime(query: RawQuery): TimeInterval | null {
  const v = single(query, 'datetime');
  if (v === undefined) return null;
  const parts = v.trim().split('/');
  if (parts.length > 2) throw invalid('datetime', 'an instant or one interval "start/end" is expected.');
  if (parts.length === 1) return { start: instant(parts[0], 'start'), end: instant(parts[0], 'end') };
  const open = (p: string) => p === '' || p === '..';
  if (open(parts[0]) && open(parts[1])) throw invalid('datetime', 'an interval needs at least one bound.');
  const start = open(parts[0]) ? null : instant(parts[0], 'start');
  const end = open(parts[1]) ? null : instant(parts[1], 'end');
  if (start && end && Date.parse(start) > Date.parse(end)) throw invalid('datetime', 'the interval ends before it starts.');
  return { start, end };
}

/** `sortby=title,-updated`: `+` (or nothing) ascending, `-` descending, names among `sortables`. */
export function parseSortby(query: RawQuery, sortables: readonly string[]): SortByKey[] {
  return list(query, 'sortby').map((key) => {
    const m = /^([+-]?)\s*([A-Za-z_][\w:.-]*)$/.exec(key);
    const name = m && sortables.find((s) => s.toLowerCase() === m[2].toLowerCase());
    if (!m || !name) throw invalid('sortby', `cannot sort on "${key}"; sortable properties: ${sortables.join(', ')}.`);
    return { name, descending: m[1] === '-' };
  });
}

/** Every parameter of `/collections/{id}/items`. */
export function parseItemsQuery(query: RawQuery, sortables: readonly string[]): ItemsQuery {
  return {
    q: parseQ(query),
    bbox: parseBbox(query),
    datetime: parseDatetime(query),
    types: list(query, 'type'),
    ids: list(query, 'ids'),
    externalIds: list(query, 'externalIds'),
    limit: parseLimit(query),
    offset: parseOffset(query),
    sortby: parseSortby(query, sortables),
  };
}
