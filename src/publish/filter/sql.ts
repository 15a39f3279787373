/**
 * The filter tree (ast.ts) -> a SQL condition over the catalogue (`catalogue c`, migration 005), the one
 * translator every publisher uses. Each property is resolved through the queryables table
 * (mappings/queryables.ts) to a column and a kind, which decide the SQL; literals are always parameters
 * ($1… in the order of `params`), never spliced into the text (DESIGN §9). Column names come from the table.
 *
 * Semantics per kind of queryable:
 * - text: =, <>, <, >, <=, >= compare exactly by default (udata and GeoNetwork match type and identifier values
 *   exactly); matchCase="false" compares lower-cased. LIKE is case-insensitive unless matchCase="true", as in
 *   GeoNetwork, whose Lucene / Elasticsearch fields are case-folded.
 * - texts (arrays: keywords, formats…): a comparison holds when any element satisfies it; <> holds when no
 *   element is equal.
 * - date / dates: the literal is an ISO 8601 date or instant; a date without a time stands for its whole day
 *   (a year or year-month for the whole year or month) in UTC: `= 2020-01-01` is that day, `<= 2020-01-01`
 *   includes it, `> 2020-01-01` starts the next day.
 * - number(s), boolean: typed parameters; a literal of the wrong type is an error.
 * - anytext: = and LIKE both mean "contains", on the normalised text (lower case, accents removed), with
 *   ILIKE so that the trigram index serves it; a pattern of wildcards only matches everything.
 * - bbox: spatial operators over catalogue_boxes (a record may have several boxes): BBOX / Intersects: some
 *   box intersects the envelope; Disjoint: none does; Within: the record has boxes and every one is within;
 *   Contains: some box contains it; Equals: some box equals it; Overlaps: some box intersects it without either
 *   containing the other. An envelope crossing the antimeridian (west > east) is split in two.
 * - null: the column is NULL, or an empty array.
 * NOT is two-valued: NOT (x) holds when x does not (a NULL column does not satisfy x).
 */
import { findQueryable, isoInstant, normaliseText, QUERYABLES, type Queryable, type QueryableKind } from '../../../mappings/queryables.ts';
import { HubError } from '../../errors.ts';
import type { CatalogueSort, SqlCondition } from '../../store/catalogue.ts';
import type { ComparisonOp, Envelope, Filter, Literal, SortKey, SpatialOp } from './ast.ts';

function invalid(message: string, locator = 'Constraint'): HubError {
  return new HubError('invalid_parameter', message, { locator });
}

/** The parameters of the condition being built: each value added gets the next placeholder. */
class Params {
  readonly values: unknown[] = [];

  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

// ---- Properties ------------------------------------------------------------------------------------------------

const BBOX_QUERYABLE = QUERYABLES.find((q) => q.kind === 'bbox');
/** Geometry names clients use that are not queryables: GeoNetwork's CSW harvester sends `BBOX(the_geom, …)`. */
const GEOMETRY_NAMES: ReadonlySet<string> = new Set(['the_geom']);

function resolve(property: string): Queryable {
  const q = findQueryable(property);
  if (!q) throw invalid(`Unknown queryable '${property}'.`);
  return q;
}

function resolveGeometry(property: string, op: SpatialOp): Queryable {
  const q = findQueryable(property) ?? (GEOMETRY_NAMES.has(property.trim().toLowerCase()) ? BBOX_QUERYABLE : undefined);
  if (!q) throw invalid(`Unknown queryable '${property}'.`);
  if (q.kind !== 'bbox') throw invalid(`The spatial operator ${op} applies to the bounding box (ows:BoundingBox); '${property}' is not a geometry.`);
  return q;
}

function column(q: Queryable): string {
  if (!q.column || !/^[a-z_]+$/.test(q.column)) throw new Error(`queryable ${q.name} has no catalogue column`);
  return `c.${q.column}`;
}

/** The element kind of an array kind, the kind itself otherwise. */
type Scalar = 'text' | 'date' | 'number' | 'boolean';
const SCALAR: Partial<Record<QueryableKind, Scalar>> = {
  text: 'text', texts: 'text', date: 'date', dates: 'date', number: 'number', numbers: 'number', boolean: 'boolean',
};
const isArray = (q: Queryable): boolean => q.kind === 'texts' || q.kind === 'dates' || q.kind === 'numbers';

/** `pred` applied to each element of an array column: true when some element satisfies it. */
function anyElement(q: Queryable, pred: (v: string) => string): string {
  return `EXISTS (SELECT 1 FROM unnest(${column(q)}) v WHERE ${pred('v')})`;
}

// ---- Literals --------------------------------------------------------------------------------------------------

interface Instant {
  /** Start of the period the literal names (the instant itself when it has a time). */
  from: string;
  /** End (exclusive) of that period; undefined for an instant. */
  to?: string;
}

/** An ISO 8601 date or instant; a date alone names its day (year, month) in UTC. */
function instant(value: Literal, property: string): Instant {
  const s = String(value).trim();
  const from = isoInstant(s);
  if (!from) throw invalid(`'${s}' is not an ISO 8601 date or date-time (for ${property}).`);
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(s);
  if (!m) return { from };
  const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) - 1 : undefined, m[3] ? Number(m[3]) : undefined];
  const end = d !== undefined ? Date.UTC(y, mo!, d + 1) : mo !== undefined ? Date.UTC(y, mo + 1, 1) : Date.UTC(y + 1, 0, 1);
  return { from, to: new Date(end).toISOString() };
}

function numberValue(value: Literal, property: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw invalid(`'${String(value)}' is not a number (for ${property}).`);
  return n;
}

function booleanValue(value: Literal, property: string): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw invalid(`'${String(value)}' is not a boolean, true or false (for ${property}).`);
}

// ---- Comparisons -----------------------------------------------------------------------------------------------

const SQL_OPS: Readonly<Record<ComparisonOp, string>> = { eq: '=', ne: '<>', lt: '<', gt: '>', le: '<=', ge: '>=' };

interface Comparison {
  op: ComparisonOp;
  value: Literal;
  matchCase?: boolean;
  property: string;
}

function compareText(e: string, c: Comparison, p: Params): string {
  const value = p.add(String(c.value));
  return c.matchCase === false ? `lower(${e}) ${SQL_OPS[c.op]} lower(${value})` : `${e} ${SQL_OPS[c.op]} ${value}`;
}

/** A date comparison; a date without time widens = and <> to its whole day, <= and > to its end. */
function compareDate(e: string, c: Comparison, p: Params): string {
  const { from, to } = instant(c.value, c.property);
  if (to === undefined) return `${e} ${SQL_OPS[c.op]} ${p.add(from, 'timestamptz')}`;
  switch (c.op) {
    case 'eq': return `(${e} >= ${p.add(from, 'timestamptz')} AND ${e} < ${p.add(to, 'timestamptz')})`;
    case 'ne': return `(${e} < ${p.add(from, 'timestamptz')} OR ${e} >= ${p.add(to, 'timestamptz')})`;
    case 'lt': return `${e} < ${p.add(from, 'timestamptz')}`;
    case 'ge': return `${e} >= ${p.add(from, 'timestamptz')}`;
    case 'le': return `${e} < ${p.add(to, 'timestamptz')}`;
    case 'gt': return `${e} >= ${p.add(to, 'timestamptz')}`;
  }
}

function compareNumber(e: string, c: Comparison, p: Params): string {
  return `${e} ${SQL_OPS[c.op]} ${p.add(numberValue(c.value, c.property), 'numeric')}`;
}

function compareBoolean(e: string, c: Comparison, p: Params): string {
  if (c.op !== 'eq' && c.op !== 'ne') throw invalid(`${c.property} is a boolean: only = and <> apply to it.`);
  return `${e} ${SQL_OPS[c.op]} ${p.add(booleanValue(c.value, c.property), 'boolean')}`;
}

const COMPARE: Readonly<Record<Scalar, (e: string, c: Comparison, p: Params) => string>> = {
  text: compareText, date: compareDate, number: compareNumber, boolean: compareBoolean,
};

function compileComparison(c: Comparison, p: Params): string {
  const q = resolve(c.property);
  if (q.kind === 'anytext') return compileAnyText(q, c, p);
  const scalar = SCALAR[q.kind];
  if (!scalar) throw invalid(`${c.property} is a bounding box: use a spatial operator (BBOX, Intersects…).`);
  if (!isArray(q)) return COMPARE[scalar](column(q), c, p);
  // <> on a set of values: no element is equal.
  if (c.op === 'ne') return `(NOT ${compileArrayComparison(q, scalar, { ...c, op: 'eq' }, p)})`;
  return compileArrayComparison(q, scalar, c, p);
}

function compileArrayComparison(q: Queryable, scalar: Scalar, c: Comparison, p: Params): string {
  // Exact equality on a text array is array containment, which the GIN indexes (subjects, sources) serve.
  if (scalar === 'text' && c.op === 'eq' && c.matchCase !== false) return `${column(q)} @> ARRAY[${p.add(String(c.value), 'text')}]`;
  return anyElement(q, (v) => COMPARE[scalar](v, c, p));
}

function compileBetween(f: { property: string; lower: Literal; upper: Literal }, p: Params): string {
  const q = resolve(f.property);
  const scalar = SCALAR[q.kind];
  if (!scalar || scalar === 'boolean') throw invalid(`PropertyIsBetween does not apply to ${f.property} (${q.kind}).`);
  const pred = (e: string): string => {
    const lower = COMPARE[scalar](e, { op: 'ge', value: f.lower, property: f.property }, p);
    const upper = COMPARE[scalar](e, { op: 'le', value: f.upper, property: f.property }, p);
    return `(${lower} AND ${upper})`;
  };
  return isArray(q) ? anyElement(q, pred) : pred(column(q));
}

function compileNull(property: string): string {
  const q = resolve(property);
  if (q.kind === 'bbox') return 'NOT EXISTS (SELECT 1 FROM catalogue_boxes b WHERE b.record_id = c.record_id)';
  if (q.kind === 'anytext') return `${column(q)} = ''`;
  return isArray(q) ? `cardinality(${column(q)}) = 0` : `${column(q)} IS NULL`;
}

// ---- LIKE ------------------------------------------------------------------------------------------------------

type LikePart = { kind: 'text'; text: string } | { kind: 'any' } | { kind: 'one' };

interface LikeFilter {
  property: string;
  pattern: string;
  wildCard: string;
  singleChar: string;
  escapeChar: string;
  matchCase?: boolean;
}

/** The client's pattern split on its own wildcard, single-character and escape characters. */
function likeParts(f: LikeFilter): LikePart[] {
  const parts: LikePart[] = [];
  const chars = [...f.pattern];
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i];
    if (ch === f.escapeChar && i + 1 < chars.length) ch = chars[++i];
    else if (ch === f.wildCard) { parts.push({ kind: 'any' }); continue; }
    else if (ch === f.singleChar) { parts.push({ kind: 'one' }); continue; }
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') last.text += ch;
    else parts.push({ kind: 'text', text: ch });
  }
  return parts;
}

/** The SQL LIKE pattern (escape character `\`, PostgreSQL's default): literal %, _ and \ are escaped. */
function sqlPattern(parts: LikePart[]): string {
  return parts.map((x) => (x.kind === 'any' ? '%' : x.kind === 'one' ? '_' : x.text.replace(/[\\%_]/g, '\\$&'))).join('');
}

function compileLike(f: LikeFilter, p: Params): string {
  const q = resolve(f.property);
  const parts = likeParts(f);
  if (q.kind === 'anytext') return containsAnyText(q, parts, p);
  if (SCALAR[q.kind] !== 'text') throw invalid(`PropertyIsLike applies to text queryables; ${f.property} is a ${q.kind}.`);
  // Case-insensitive unless the client asks otherwise (GeoNetwork's behaviour).
  const op = f.matchCase === true ? 'LIKE' : 'ILIKE';
  const value = p.add(sqlPattern(parts));
  const pred = (e: string): string => `${e} ${op} ${value}`;
  return isArray(q) ? anyElement(q, pred) : pred(column(q));
}

// ---- AnyText ---------------------------------------------------------------------------------------------------

/** A literal run of a pattern normalised like the column, keeping a space at either end (it separates words). */
function normalisePart(text: string): string {
  const core = normaliseText(text);
  return `${/^\s/.test(text) ? ' ' : ''}${core}${core && /\s$/.test(text) ? ' ' : ''}`;
}

/** "Contains" on the normalised full text, as an ILIKE the trigram index serves; wildcards only: everything. */
function containsAnyText(q: Queryable, parts: LikePart[], p: Params): string {
  const normalised: LikePart[] = parts.map((x) => (x.kind === 'text' ? { kind: 'text', text: normalisePart(x.text) } : x));
  if (!normalised.some((x) => x.kind === 'one' || (x.kind === 'text' && x.text !== ''))) return 'true';
  return `${column(q)} ILIKE ${p.add(`%${sqlPattern(normalised)}%`)}`;
}

function compileAnyText(q: Queryable, c: Comparison, p: Params): string {
  if (c.op !== 'eq' && c.op !== 'ne') throw invalid(`${c.property} is the full text: only =, <> and LIKE apply to it.`);
  const contains = containsAnyText(q, [{ kind: 'text', text: String(c.value) }], p);
  return c.op === 'eq' ? contains : `(NOT ${contains})`;
}

// ---- Spatial ---------------------------------------------------------------------------------------------------

/** An envelope crossing the antimeridian as its two halves; any other as itself. */
function envelopeParts(e: Envelope): Envelope[] {
  if (e.west <= e.east) return [e];
  return [{ ...e, east: 180 }, { ...e, west: -180 }];
}

function boxOf(e: Envelope, p: Params): string {
  const f = (n: number): string => p.add(n, 'float8');
  return `box(point(${f(e.west)}, ${f(e.south)}), point(${f(e.east)}, ${f(e.north)}))`;
}

function someBox(cond: string): string {
  return `EXISTS (SELECT 1 FROM catalogue_boxes b WHERE b.record_id = c.record_id AND ${cond})`;
}

function intersectsAny(boxes: string[]): string {
  return someBox(`(${boxes.map((x) => `b.box && ${x}`).join(' OR ')})`);
}

const SPATIAL_SQL: Readonly<Record<SpatialOp, (boxes: string[]) => string>> = {
  bbox: intersectsAny,
  intersects: intersectsAny,
  disjoint: (boxes) => `(NOT ${intersectsAny(boxes)})`,
  within: (boxes) => `(${someBox('true')} AND NOT ${someBox(`NOT (${boxes.map((x) => `b.box <@ ${x}`).join(' OR ')})`)})`,
  contains: (boxes) => `(${boxes.map((x) => someBox(`b.box @> ${x}`)).join(' AND ')})`,
  equals: (boxes) => `(${boxes.map((x) => someBox(`b.box ~= ${x}`)).join(' AND ')})`,
  overlaps: (boxes) => someBox(`(${boxes.map((x) => `(b.box && ${x} AND NOT b.box @> ${x} AND NOT b.box <@ ${x})`).join(' OR ')})`),
};

function compileSpatial(f: { op: SpatialOp; property: string; envelope: Envelope }, p: Params): string {
  resolveGeometry(f.property, f.op);
  const e = f.envelope;
  if (![e.west, e.south, e.east, e.north].every(Number.isFinite)) throw invalid(`The envelope of ${f.op} has a coordinate that is not a number.`);
  return SPATIAL_SQL[f.op](envelopeParts(e).map((x) => boxOf(x, p)));
}

// ---- The tree --------------------------------------------------------------------------------------------------

function compile(f: Filter, p: Params): string {
  switch (f.op) {
    case 'true': return 'true';
    case 'false': return 'false';
    case 'and':
    case 'or':
      if (f.args.length === 0) return f.op === 'and' ? 'true' : 'false';
      return `(${f.args.map((a) => compile(a, p)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
    // coalesce: a condition on a NULL column is unknown; its negation must still hold.
    case 'not': return `(NOT coalesce(${compile(f.arg, p)}, false))`;
    case 'like': return `(${compileLike(f, p)})`;
    case 'between': return `(${compileBetween(f, p)})`;
    case 'null': return `(${compileNull(f.property)})`;
    case 'bbox': case 'intersects': case 'within': case 'contains': case 'disjoint': case 'equals': case 'overlaps':
      return `(${compileSpatial(f, p)})`;
    default: return `(${compileComparison(f, p)})`;
  }
}

/** The SQL condition (over `catalogue c`) and parameters of a filter; unknown queryables are invalid parameters. */
export function compileFilter(filter: Filter): SqlCondition {
  const p = new Params();
  const sql = compile(filter, p);
  return { sql, params: p.values };
}

/** The ORDER BY keys of a SortBy: sortable queryables only (locator `SortBy` otherwise). */
export function compileSort(keys: SortKey[]): CatalogueSort[] {
  return keys.map((k) => {
    const q = findQueryable(k.property);
    if (!q) throw invalid(`Unknown queryable '${k.property}'.`, 'SortBy');
    if (!q.sortable || !q.column) throw invalid(`The queryable '${k.property}' cannot be sorted on (it has several values per record).`, 'SortBy');
    return { column: q.column, descending: k.descending };
  });
}
