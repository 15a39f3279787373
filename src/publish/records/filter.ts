/**
 * The items query of OGC API - Records as a filter tree (src/publish/filter/ast.ts), which
 * src/publish/filter/sql.ts compiles like every other publisher's. Properties are named as in the queryables
 * table (mappings/queryables.ts). Pure.
 *
 * `datetime` is matched against the resource's temporal extent (apiso:TempExtent_begin / _end): a record
 * matches when its extent and the asked interval overlap, an extent with one end missing being open on that
 * side. A record without any temporal extent is matched on its metadata date (apiso:Modified) instead, so that
 * a date search still finds the many harvested records that only carry a date stamp; a record with neither
 * never matches a `datetime` query.
 */
import type { Filter, SortKey } from '../filter/ast.ts';
import type { ItemsQuery, SortByKey, TimeInterval } from './params.ts';

const ANYTEXT = 'apiso:AnyText';
const BEGIN = 'apiso:TempExtent_begin';
const END = 'apiso:TempExtent_end';
const MODIFIED = 'apiso:Modified';

/** What `/collections/{id}/sortables` lists, and the queryable each name sorts on. */
export const SORTABLES: Readonly<Record<string, { queryable: string; type: 'string'; format?: 'date-time' }>> = {
  id: { queryable: 'apiso:Identifier', type: 'string' },
  title: { queryable: 'apiso:Title', type: 'string' },
  type: { queryable: 'apiso:Type', type: 'string' },
  created: { queryable: 'apiso:CreationDate', type: 'string', format: 'date-time' },
  updated: { queryable: MODIFIED, type: 'string', format: 'date-time' },
};

export const SORTABLE_NAMES: readonly string[] = Object.keys(SORTABLES);

const ESCAPE = '\\';

/** A PropertyIsLike pattern matching `text` anywhere, its own wildcard characters escaped. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => ESCAPE + c)}%`;
}

function like(property: string, pattern: string): Filter {
  return { op: 'like', property, pattern, wildCard: '%', singleChar: '_', escapeChar: ESCAPE };
}

function anyOf(filters: Filter[]): Filter {
  return filters.length === 1 ? filters[0] : { op: 'or', args: filters };
}

function allOf(filters: Filter[]): Filter {
  if (filters.length === 0) return { op: 'true' };
  return filters.length === 1 ? filters[0] : { op: 'and', args: filters };
}

const notNull = (property: string): Filter => ({ op: 'not', arg: { op: 'null', property } });

/** The datetime condition (see the file comment): overlap with the extent, else the metadata date. */
export function datetimeFilter(t: TimeInterval): Filter {
  const overlap: Filter[] = [];
  // The extent starts before the interval ends (or has no start), and ends after it starts (or has no end).
  if (t.end) overlap.push({ op: 'or', args: [{ op: 'null', property: BEGIN }, { op: 'le', property: BEGIN, value: t.end }] });
  if (t.start) overlap.push({ op: 'or', args: [{ op: 'null', property: END }, { op: 'ge', property: END, value: t.start }] });
  const dated: Filter[] = [{ op: 'null', property: BEGIN }, { op: 'null', property: END }];
  if (t.start) dated.push({ op: 'ge', property: MODIFIED, value: t.start });
  if (t.end) dated.push({ op: 'le', property: MODIFIED, value: t.end });
  return {
    op: 'or',
    args: [allOf([{ op: 'or', args: [notNull(BEGIN), notNull(END)] }, ...overlap]), allOf(dated)],
  };
}

/**
 * `externalIds`: a value matches a resource identifier written either way the catalogue keeps it (the code
 * alone, or `codeSpace:code`); `scheme:` alone matches every identifier of that code space.
 */
function externalIdFilter(value: string): Filter {
  if (value.endsWith(':')) return like('apiso:ResourceIdentifier', `${value.replace(/[\\%_]/g, (c) => ESCAPE + c)}%`);
  return { op: 'eq', property: 'apiso:ResourceIdentifier', value };
}

/**
 * The condition of an items request: every given parameter must hold (Records /req/records-api/query-params),
 * within one source's resources for a per-source collection (`moisson:Source`: any source the resource is
 * known from).
 */
export function itemsFilter(q: ItemsQuery, sourceId: string | null): Filter {
  const parts: Filter[] = [];
  if (sourceId !== null) parts.push({ op: 'eq', property: 'moisson:Source', value: sourceId });
  if (q.q.length > 0) parts.push(anyOf(q.q.map((phrase) => like(ANYTEXT, containsPattern(phrase)))));
  if (q.bbox.length > 0) {
    parts.push(anyOf(q.bbox.map((envelope) => ({ op: 'bbox', property: 'apiso:BoundingBox', envelope }) as Filter)));
  }
  if (q.datetime) parts.push(datetimeFilter(q.datetime));
  if (q.types.length > 0) parts.push(anyOf(q.types.map((value) => ({ op: 'eq', property: 'apiso:Type', value }) as Filter)));
  if (q.ids.length > 0) parts.push(anyOf(q.ids.map((value) => ({ op: 'eq', property: 'apiso:Identifier', value }) as Filter)));
  if (q.externalIds.length > 0) parts.push(anyOf(q.externalIds.map(externalIdFilter)));
  return allOf(parts);
}

/** `sortby` keys as SortBy keys over the queryables. */
export function itemsSort(keys: SortByKey[]): SortKey[] {
  return keys.map((k) => ({ property: SORTABLES[k.name].queryable, descending: k.descending }));
}
