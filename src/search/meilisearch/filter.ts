/**
 * SearchQuery -> Meilisearch filter expression. Pure, so that the escaping and the bbox arithmetic are tested
 * without a server.
 *
 * Meilisearch's filter grammar: `field IN ["a", "b"]`, `field >= 3`, `AND`, `OR`, parentheses. String values
 * are always double-quoted here, with `\` and `"` escaped by a backslash: since Meilisearch 1.4 the filter
 * parser unescapes both (before 1.4 a value ending in a backslash could not be written at all; changelog of
 * v1.4.0, meilisearch/meilisearch#4034). Field names are ours and never need quoting.
 */
import { SearchError, type Bbox, type Facet, type SearchQuery } from '../types.ts';
import { BBOX_SLOTS, DATE_FIELD, bboxField, dayNumber } from './document.ts';

/** The Meilisearch field behind each facet / list filter of the port. */
export const FACET_FIELDS: Record<Facet, string> = {
  type: 'type',
  source: 'sources',
  keyword: 'keywords',
  format: 'formats',
  license: 'license',
  topic: 'topics',
  organisation: 'organisations',
};

/** A string as a quoted filter value: `a"b\c` -> `"a\"b\\c"`. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The filter of a query (AND of its parts), or undefined when it has none. */
export function buildFilter(q: Partial<SearchQuery>): string | undefined {
  const parts = [
    ...(Object.keys(FACET_FIELDS) as Facet[]).map((f) => inList(FACET_FIELDS[f], q[f])),
    dateBound('>=', q.from, 'from'),
    dateBound('<=', q.to, 'to'),
    bboxCondition(q.bbox),
  ].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' AND ');
}

/** Documents having this record among their members. */
export function memberFilter(recordId: string): string {
  return `members = ${quote(recordId)}`;
}

/** Values of one field are alternatives: `field IN [...]` matches a document having any of them. */
function inList(field: string, values: string[] | undefined): string | undefined {
  if (!values || values.length === 0) return undefined;
  return `${field} IN [${values.map(quote).join(', ')}]`;
}

function dateBound(op: '>=' | '<=', date: string | undefined, name: string): string | undefined {
  if (date === undefined) return undefined;
  const day = dayNumber(date);
  if (day === undefined) throw new SearchError(`${name} must be a date YYYY-MM-DD, got "${date}"`, 'query');
  return `${DATE_FIELD} ${op} ${day}`;
}

/**
 * Documents with a box intersecting any query box: for one stored box B and query box Q,
 * B.west <= Q.east AND B.east >= Q.west AND B.south <= Q.north AND B.north >= Q.south, OR-ed over the slots.
 * A slot a document does not use has no fields, and a comparison on a missing field is false.
 */
function bboxCondition(boxes: Bbox[] | undefined): string | undefined {
  if (!boxes || boxes.length === 0) return undefined;
  const terms: string[] = [];
  for (const q of boxes.map(checkBox)) {
    for (let slot = 0; slot < BBOX_SLOTS; slot++) {
      const f = (side: keyof Bbox) => bboxField(slot, side);
      terms.push(
        `(${f('west')} <= ${num(q.east)} AND ${f('east')} >= ${num(q.west)} AND ${f('south')} <= ${num(q.north)} AND ${f('north')} >= ${num(q.south)})`,
      );
    }
  }
  return terms.join(' OR ');
}

/**
 * A query box as the port defines it: west <= east and south <= north (a box crossing the antimeridian comes
 * as two, split by the caller). Anything else would silently match nothing.
 */
function checkBox(b: Bbox): Bbox {
  if (b.west > b.east || b.south > b.north) {
    throw new SearchError(`bbox must have west <= east and south <= north, got ${[b.west, b.south, b.east, b.north].join(',')}`, 'query');
  }
  return b;
}

/** A number as written in a filter; Meilisearch parses it as an f64 (exponents included). */
function num(n: number): string {
  if (!Number.isFinite(n)) throw new SearchError(`bbox coordinates must be finite numbers, got ${n}`, 'query');
  return String(n);
}
