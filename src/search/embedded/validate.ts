/**
 * Checks a SearchQuery before it reaches SQL. The HTTP layer (src/search/query.ts) already validates what
 * people send; this guards the port itself (the CLI, the benchmarks, other callers), so that a malformed query
 * is a SearchError of kind 'query' rather than a database error.
 */
import { FACETS, SORTS, SearchError, type Bbox, type SearchQuery } from '../types.ts';

/** Longer free text is refused: websearch syntax over kilobytes is a hostile client, not a search. */
export const MAX_Q_LENGTH = 1000;
const MAX_BOXES = 16;
const MAX_FILTER_VALUES = 100;

function fail(message: string): never {
  throw new SearchError(message, 'query');
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}`);
}

function checkBox(b: Bbox): void {
  const values = [b?.west, b?.south, b?.east, b?.north];
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) fail('bbox values must be finite numbers');
  if (b.west < -180 || b.east > 180 || b.west > b.east) fail('bbox longitudes must satisfy -180 <= west <= east <= 180');
  if (b.south < -90 || b.north > 90 || b.south > b.north) fail('bbox latitudes must satisfy -90 <= south <= north <= 90');
}

function checkDay(name: string, value: string | undefined): void {
  if (value === undefined) return;
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || !d.toISOString().startsWith(value)) {
    fail(`${name} must be a date YYYY-MM-DD`);
  }
}

/** Throws SearchError('query') on a query the engine cannot run as given. */
export function validateQuery(q: SearchQuery): void {
  if (q.q !== undefined && typeof q.q !== 'string') fail('q must be a string');
  if ((q.q?.length ?? 0) > MAX_Q_LENGTH) fail(`q must be at most ${MAX_Q_LENGTH} characters`);
  if (!SORTS.includes(q.sort)) fail(`sort must be one of ${SORTS.join(', ')}`);
  checkInteger('page', q.page, 1, 1_000_000);
  checkInteger('limit', q.limit, 1, 100);
  checkInteger('facetLimit', q.facetLimit, 1, 1000);
  for (const f of q.facets ?? []) if (!FACETS.includes(f)) fail(`facets must be among ${FACETS.join(', ')}`);
  if ((q.bbox?.length ?? 0) > MAX_BOXES) fail(`at most ${MAX_BOXES} bbox boxes`);
  q.bbox?.forEach(checkBox);
  for (const f of FACETS) {
    const values = q[f];
    if (values === undefined) continue;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) fail(`${f} must be a list of strings`);
    if (values.length > MAX_FILTER_VALUES) fail(`at most ${MAX_FILTER_VALUES} ${f} values`);
  }
  checkDay('from', q.from);
  checkDay('to', q.to);
}
