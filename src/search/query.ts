/**
 * `GET /api/search` parameters -> a validated SearchQuery (src/search/types.ts). Pure: no store, no index.
 *
 * Every problem is a 400 that names the parameter, the value received and what is accepted (`details`), so a
 * portal developer can fix the request from the answer alone; parameters the endpoint does not know are
 * refused too (a misspelt `bbbox` silently ignored would return the whole catalogue as if it were filtered).
 */
import { HubError } from '../errors.ts';
import { FACETS, SORTS, type Bbox, type Facet, type SearchQuery, type Sort } from './types.ts';

/** Raw query parameters as koa parses them: a repeated parameter is an array. */
export type RawParams = Record<string, string | string[] | undefined>;

/** Filters that take several values (repeated, or comma-separated), OR-ed within the field. */
const LIST_FILTERS = ['type', 'source', 'keyword', 'format', 'license', 'topic', 'organisation'] as const;
type ListFilter = (typeof LIST_FILTERS)[number];

const SINGLE = ['q', 'bbox', 'from', 'to', 'sort', 'page', 'limit', 'facets', 'facetLimit'] as const;

/** Every parameter the endpoint accepts. */
export const SEARCH_PARAMETERS: readonly string[] = [...SINGLE, ...LIST_FILTERS];

export const DEFAULT_FACETS: Facet[] = ['type', 'source', 'keyword', 'format', 'license'];
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
export const DEFAULT_FACET_LIMIT = 10;
export const MAX_FACET_LIMIT = 100;
/**
 * Search pages stop at this many results: deep listings belong to the store-backed endpoints (/records, CSW,
 * DCAT), and Meilisearch cannot go much further anyway (maxTotalHits).
 */
export const MAX_OFFSET = 10_000;
const MAX_Q = 500;
const MAX_VALUE = 200;
const MAX_VALUES = 50;

/** ISO 19115 MD_ScopeCode values (19139 code list, plus the ISO 19115-1 additions the mappings may produce). */
export const TYPES = ['dataset', 'series', 'service', 'nonGeographicDataset', 'application', 'collectionHardware',
  'collectionSession', 'attribute', 'attributeType', 'dimensionGroup', 'feature', 'featureType', 'propertyType',
  'fieldSession', 'software', 'model', 'tile', 'initiative', 'repository', 'document', 'aggregate', 'product',
  'collection', 'coverage', 'metadata', 'sample'] as const;

/** ISO 19115 MD_TopicCategoryCode values (with ISO 19115-1's extraTerrestrial and disaster). */
export const TOPICS = ['farming', 'biota', 'boundaries', 'climatologyMeteorologyAtmosphere', 'economy', 'elevation',
  'environment', 'geoscientificInformation', 'health', 'imageryBaseMapsEarthCover', 'intelligenceMilitary',
  'inlandWaters', 'location', 'oceans', 'planningCadastre', 'society', 'structure', 'transportation',
  'utilitiesCommunication', 'extraTerrestrial', 'disaster'] as const;

/** A 400 naming the parameter, the value and what is accepted. */
function bad(parameter: string, value: string, accepted: string, why?: string): HubError {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  return new HubError('invalid_parameter',
    `Invalid ${parameter} "${shown}"${why ? `: ${why}` : ''}. Accepted: ${accepted}.`,
    { locator: parameter, details: { parameter, value: shown, accepted } });
}

/** The parameter's single value; a repeated one is refused (which of two `limit`s would be meant?). */
function single(params: RawParams, name: string): string | undefined {
  const v = params[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw bad(name, v.join('&'), 'one value', 'given more than once');
    return v[0];
  }
  return v;
}

/** Values of a repeatable, comma-separated parameter: trimmed, blanks dropped, distinct. */
function list(params: RawParams, name: string): string[] {
  const v = params[name];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  const values = [...new Set(raw.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))];
  if (values.length > MAX_VALUES) throw bad(name, raw.join(','), `at most ${MAX_VALUES} values`);
  return values;
}

/** Checks enumerated values case-insensitively and returns them in their canonical spelling. */
function oneOf<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  const byLower = new Map(allowed.map((a) => [a.toLowerCase(), a]));
  return values.map((v) => {
    const hit = byLower.get(v.toLowerCase());
    if (!hit) throw bad(name, v, allowed.join(', '));
    return hit;
  });
}

/** Free values (source ids, keywords, formats…): any text, within bounds. */
function freeValues(name: string, values: string[]): string[] {
  for (const v of values) {
    // Control characters are never in a facet value; they are a broken or hostile client.
    if (v.length > MAX_VALUE || /[\u0000-\u001f\u007f]/.test(v)) {
      throw bad(name, v, `any text of at most ${MAX_VALUE} characters, without control characters`);
    }
  }
  return values;
}

function integer(params: RawParams, name: string, dflt: number, min: number, max: number, note = ''): number {
  const v = single(params, name)?.trim();
  if (v === undefined || v === '') return dflt;
  const accepted = `an integer from ${min} to ${max}${note}`;
  if (!/^\d{1,9}$/.test(v)) throw bad(name, v, accepted);
  const n = Number(v);
  if (n < min || n > max) throw bad(name, v, accepted);
  return n;
}

const BBOX_ACCEPTED = 'minx,miny,maxx,maxy in WGS 84 degrees: longitudes from -180 to 180, latitudes from -90 to 90, '
  + 'miny <= maxy (minx > maxx is a box crossing the antimeridian)';

/** `bbox=minx,miny,maxx,maxy`; a box with minx > maxx crosses the antimeridian and becomes two. */
export function parseBbox(value: string): Bbox[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length !== 4 || parts.some((p) => !/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(p))) {
    throw bad('bbox', value, BBOX_ACCEPTED, 'four comma-separated numbers expected');
  }
  const [west, south, east, north] = parts.map(Number);
  if ([west, east].some((x) => x < -180 || x > 180)) throw bad('bbox', value, BBOX_ACCEPTED, 'longitude out of range');
  if ([south, north].some((y) => y < -90 || y > 90)) throw bad('bbox', value, BBOX_ACCEPTED, 'latitude out of range');
  if (south > north) throw bad('bbox', value, BBOX_ACCEPTED, 'miny is greater than maxy');
  if (west <= east) return [{ west, south, east, north }];
  return [{ west, south, east: 180, north }, { west: -180, south, east, north }];
}

const DATE_ACCEPTED = 'a date YYYY-MM-DD, a month YYYY-MM or a year YYYY';

/**
 * `from` / `to`: a day, a month or a year. A month or a year means its first day as `from` and its last day as
 * `to`, so `from=2020&to=2020` is the whole of 2020.
 */
export function parseDateBound(name: 'from' | 'to', value: string): string {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!m) throw bad(name, value, DATE_ACCEPTED);
  const [year, month, day] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
  if (month !== undefined && (month < 1 || month > 12)) throw bad(name, value, DATE_ACCEPTED, 'no such month');
  const mm = month ?? (name === 'from' ? 1 : 12);
  const last = new Date(Date.UTC(year, mm, 0)).getUTCDate();
  if (day !== undefined && (day < 1 || day > last)) throw bad(name, value, DATE_ACCEPTED, 'no such day');
  const dd = day ?? (name === 'from' ? 1 : last);
  return `${m[1]}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
}

function dates(params: RawParams): Pick<SearchQuery, 'from' | 'to'> {
  const fromText = single(params, 'from')?.trim();
  const toText = single(params, 'to')?.trim();
  const from = fromText ? parseDateBound('from', fromText) : undefined;
  const to = toText ? parseDateBound('to', toText) : undefined;
  if (from && to && from > to) throw bad('to', toText!, `a date on or after from (${fromText})`, 'before from');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function facets(params: RawParams): Facet[] {
  const v = single(params, 'facets');
  if (v === undefined) return DEFAULT_FACETS;
  // `facets=` (empty) asks for no facet counts at all.
  const names = [...new Set(v.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  return oneOf('facets', names, FACETS);
}

function filters(params: RawParams): Partial<Record<ListFilter, string[]>> {
  const out: Partial<Record<ListFilter, string[]>> = {};
  for (const name of LIST_FILTERS) {
    const values = list(params, name);
    if (values.length === 0) continue;
    if (name === 'type') out.type = oneOf(name, values, TYPES);
    else if (name === 'topic') out.topic = oneOf(name, values, TOPICS);
    else out[name] = freeValues(name, values);
  }
  return out;
}

function text(params: RawParams): string | undefined {
  const q = single(params, 'q')?.trim();
  if (!q) return undefined;
  if (q.length > MAX_Q) throw bad('q', q, `a query of at most ${MAX_Q} characters`);
  return q;
}

function unknownParameters(params: RawParams): void {
  const unknown = Object.keys(params).filter((k) => !SEARCH_PARAMETERS.includes(k));
  if (unknown.length === 0) return;
  const accepted = SEARCH_PARAMETERS.join(', ');
  throw new HubError('unknown_parameter', `Unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}. Accepted: ${accepted}.`,
    { locator: unknown[0], details: { parameters: unknown, accepted: SEARCH_PARAMETERS } });
}

/** Turns `GET /api/search` parameters into a SearchQuery; throws a 400 HubError on the first bad one. */
export function parseSearchQuery(params: RawParams): SearchQuery {
  unknownParameters(params);
  const limit = integer(params, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  const page = integer(params, 'page', 1, 1, Math.floor(MAX_OFFSET / limit),
    ` at limit=${limit} (search stops at ${MAX_OFFSET} results; list everything through /records)`);
  const sortText = single(params, 'sort')?.trim();
  const sort: Sort = sortText ? oneOf('sort', [sortText], SORTS)[0] : 'relevance';
  const bboxText = single(params, 'bbox')?.trim();
  const q = text(params);
  return {
    ...(q ? { q } : {}),
    ...(bboxText ? { bbox: parseBbox(bboxText) } : {}),
    ...filters(params),
    ...dates(params),
    sort,
    page,
    limit,
    facets: facets(params),
    facetLimit: integer(params, 'facetLimit', DEFAULT_FACET_LIMIT, 1, MAX_FACET_LIMIT),
  };
}
