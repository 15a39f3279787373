/**
 * OGC CQL as CSW 2.0.2 clients send it in `CONSTRAINTLANGUAGE=CQL_TEXT` (OGC 07-006r1 §6.2.2, with the ECQL
 * habits of GeoServer/GeoNetwork clients) -> the filter tree (ast.ts):
 *
 *   AnyText LIKE '%eau%' AND (dc:type = 'dataset' OR dc:type = 'series') AND NOT apiso:Modified < '2020-01-01'
 *   apiso:Title ILIKE 'plan%'   apiso:Modified BETWEEN '2019-01-01' AND 2020-12-31   dc:type IN ('a', 'b')
 *   apiso:Abstract IS NOT NULL  BBOX(ows:BoundingBox, -5, 47, -1, 49[, 'urn:ogc:def:crs:EPSG::4326'])
 *   INTERSECTS(ows:BoundingBox, ENVELOPE(-5, -1, 49, 47))   WITHIN(geometry, POLYGON((-5 47, -1 47, -1 49, -5 47)))
 *
 * A small recursive-descent parser over a tokenizer (no maintained npm package parses this dialect into a
 * usable tree: see the report of the filter work). Precedence: OR < AND < NOT < predicate. Keywords are
 * case-insensitive; property names are bare (`dc:type`, `csw:AnyText`) or double-quoted; strings are
 * single-quoted with '' for a quote; numbers, TRUE / FALSE and bare ISO dates are literals. LIKE uses `%` and
 * `_` with `\` as the escape. ENVELOPE is (west, east, north, south) as the CSW 2.0.2 BNF and GeoTools say; WKT
 * coordinates are longitude latitude; a geometry other than an envelope is compared by its bounding box.
 *
 * Errors are `invalid_parameter` with locator `Constraint`, giving the character position and what was expected.
 */
import { HubError } from '../../errors.ts';
import { describe, syntaxError, tokenize, type Token } from './cql-lexer.ts';
import type { ComparisonOp, Envelope, Filter, Literal, SpatialOp } from './ast.ts';
import { axisOrder, envelopeFromCorners, envelopeOfPositions, type Position } from './crs.ts';

/** Longest CQL text accepted: a filter is a line; this bounds the work a hostile one causes. */
const MAX_CQL_LENGTH = 64 * 1024;
/** Deepest nesting of parentheses / NOT (the parser recurses). */
const MAX_DEPTH = 100;

// ---- Parser ----------------------------------------------------------------------------------------------------

const COMPARISON_OPS: Readonly<Record<string, ComparisonOp>> = {
  '=': 'eq', '<>': 'ne', '!=': 'ne', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge',
};
const MIRRORED: Readonly<Record<ComparisonOp, ComparisonOp>> = { eq: 'eq', ne: 'ne', lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' };

const SPATIAL_FUNCTIONS: Readonly<Record<string, SpatialOp>> = {
  INTERSECTS: 'intersects', WITHIN: 'within', CONTAINS: 'contains', DISJOINT: 'disjoint', EQUALS: 'equals',
  OVERLAPS: 'overlaps',
};
const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set(['TOUCHES', 'CROSSES', 'DWITHIN', 'BEYOND', 'RELATE']);
const WKT_TYPES: ReadonlySet<string> = new Set(['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON']);

class CqlParser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    const f = this.orExpr();
    if (this.peek().kind !== 'eof') throw this.expected('AND, OR or the end of the filter');
    return f;
  }

  // -- token helpers

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isKeyword(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) throw this.expected(word);
  }

  private isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) throw this.expected(`'${p}'`);
    this.i++;
  }

  private expected(what: string): HubError {
    const t = this.peek();
    return syntaxError(t.pos, `expected ${what}, found ${describe(t)}.`);
  }

  private nested<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) throw syntaxError(this.peek().pos, `the filter is nested deeper than ${MAX_DEPTH} levels.`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  // -- boolean structure

  private orExpr(): Filter {
    const args = [this.andExpr()];
    while (this.acceptKeyword('OR')) args.push(this.andExpr());
    return args.length === 1 ? args[0] : { op: 'or', args };
  }

  private andExpr(): Filter {
    const args = [this.notExpr()];
    while (this.acceptKeyword('AND')) args.push(this.notExpr());
    return args.length === 1 ? args[0] : { op: 'and', args };
  }

  private notExpr(): Filter {
    if (this.acceptKeyword('NOT')) return this.nested(() => ({ op: 'not', arg: this.notExpr() }));
    return this.primary();
  }

  private primary(): Filter {
    if (this.isPunct('(')) {
      this.i++;
      const f = this.nested(() => this.orExpr());
      this.expectPunct(')');
      return f;
    }
    const t = this.peek();
    if (t.kind === 'word' && this.isPunct('(', 1)) return this.functionPredicate(t);
    if (this.acceptKeyword('INCLUDE')) return { op: 'true' };
    if (this.acceptKeyword('EXCLUDE')) return { op: 'false' };
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'date' || this.isPunct('-')) return this.reversedComparison();
    return this.propertyPredicate(this.property());
  }

  // -- predicates on a property

  private property(): string {
    const t = this.peek();
    if (t.kind === 'quoted' && t.text.trim()) return this.next().text;
    if (t.kind === 'word' && !['AND', 'OR', 'NOT'].includes(t.text.toUpperCase())) return this.next().text;
    throw this.expected('a property name');
  }

  private propertyPredicate(property: string): Filter {
    const negated = this.acceptKeyword('NOT');
    const f = this.positivePredicate(property, negated);
    return negated ? { op: 'not', arg: f } : f;
  }

  private positivePredicate(property: string, negated: boolean): Filter {
    const kw = this.peek().kind === 'word' ? this.peek().text.toUpperCase() : '';
    if (kw === 'LIKE' || kw === 'ILIKE') return this.like(property, kw === 'ILIKE');
    if (kw === 'BETWEEN') return this.between(property);
    if (kw === 'IN') return this.inList(property);
    if (negated) throw this.expected('LIKE, ILIKE, BETWEEN or IN after NOT');
    if (kw === 'IS') return this.isNull(property);
    if (kw === 'BEFORE' || kw === 'AFTER') {
      this.i++;
      return { op: kw === 'BEFORE' ? 'lt' : 'gt', property, value: this.literal() };
    }
    if (kw === 'DURING' || kw === 'TEQUALS') throw syntaxError(this.peek().pos, `the temporal operator ${kw} is not supported.`);
    const t = this.peek();
    const op = t.kind === 'op' ? COMPARISON_OPS[t.text] : undefined;
    if (!op) throw this.expected('a comparison operator (=, <>, <, >, <=, >=), LIKE, ILIKE, BETWEEN, IN or IS');
    this.i++;
    return { op, property, value: this.literal() };
  }

  private like(property: string, insensitive: boolean): Filter {
    this.i++;
    const t = this.peek();
    if (t.kind !== 'string') throw this.expected('a quoted pattern after LIKE');
    this.i++;
    const f: Filter = { op: 'like', property, pattern: t.text, wildCard: '%', singleChar: '_', escapeChar: '\\' };
    return insensitive ? { ...f, matchCase: false } : f;
  }

  private between(property: string): Filter {
    this.i++;
    const lower = this.literal();
    this.expectKeyword('AND');
    return { op: 'between', property, lower, upper: this.literal() };
  }

  private inList(property: string): Filter {
    this.i++;
    this.expectPunct('(');
    const values = [this.literal()];
    while (this.isPunct(',')) {
      this.i++;
      values.push(this.literal());
    }
    this.expectPunct(')');
    const args: Filter[] = values.map((value) => ({ op: 'eq', property, value }));
    return args.length === 1 ? args[0] : { op: 'or', args };
  }

  private isNull(property: string): Filter {
    this.i++;
    const negated = this.acceptKeyword('NOT');
    this.expectKeyword('NULL');
    const f: Filter = { op: 'null', property };
    return negated ? { op: 'not', arg: f } : f;
  }

  /** `'2020-01-01' <= apiso:Modified`: the comparison seen from the property's side. */
  private reversedComparison(): Filter {
    const value = this.literal();
    const t = this.peek();
    const op = t.kind === 'op' ? COMPARISON_OPS[t.text] : undefined;
    if (!op) throw this.expected('a comparison operator');
    this.i++;
    return { op: MIRRORED[op], property: this.property(), value };
  }

  // -- literals

  private literal(): Literal {
    const t = this.peek();
    if (t.kind === 'string' || t.kind === 'date') return this.next().text;
    if (t.kind === 'number' || this.isPunct('-') || this.isPunct('+')) return this.number();
    if (this.acceptKeyword('TRUE')) return true;
    if (this.acceptKeyword('FALSE')) return false;
    throw this.expected("a literal (a 'string', a number, a date, TRUE or FALSE)");
  }

  private number(): number {
    let sign = 1;
    if (this.isPunct('-') || this.isPunct('+')) sign = this.next().text === '-' ? -1 : 1;
    const t = this.peek();
    if (t.kind !== 'number') throw this.expected('a number');
    this.i++;
    return sign * Number(t.text);
  }

  // -- function-style predicates: BBOX and the spatial operators

  private functionPredicate(t: Token): Filter {
    const name = t.text.toUpperCase();
    if (name === 'BBOX') return this.bbox();
    const op = SPATIAL_FUNCTIONS[name];
    if (!op) {
      if (UNSUPPORTED_FUNCTIONS.has(name)) throw syntaxError(t.pos, `the spatial operator ${name} is not supported.`);
      throw syntaxError(t.pos, `unknown function ${t.text}: expected BBOX, INTERSECTS, WITHIN, CONTAINS, DISJOINT, EQUALS or OVERLAPS.`);
    }
    this.i += 2;
    const property = this.property();
    this.expectPunct(',');
    const envelope = this.geometry();
    this.expectPunct(')');
    return { op, property, envelope };
  }

  /** BBOX(property, minx, miny, maxx, maxy [, 'crs']): the axis order is the CRS's (crs.ts). */
  private bbox(): Filter {
    const start = this.next().pos;
    this.i++;
    const property = this.property();
    const n: number[] = [];
    for (let k = 0; k < 4; k++) {
      this.expectPunct(',');
      n.push(this.number());
    }
    let crs: string | undefined;
    if (this.isPunct(',')) {
      this.i++;
      const c = this.next();
      if (c.kind !== 'string') throw syntaxError(c.pos, `expected the CRS as a quoted string, found ${describe(c)}.`);
      crs = c.text;
    }
    this.expectPunct(')');
    const envelope = envelopeFromCorners([n[0], n[1]], [n[2], n[3]], axisOrder(crs), `BBOX at character ${start + 1}`);
    return { op: 'bbox', property, envelope };
  }

  /** ENVELOPE(west, east, north, south) or a WKT geometry (by its bounding box), longitude first. */
  private geometry(): Envelope {
    const t = this.peek();
    const name = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (name === 'ENVELOPE') {
      this.i++;
      this.expectPunct('(');
      const [west, east, north, south] = this.numberList(4);
      this.expectPunct(')');
      return envelopeFromCorners([west, south], [east, north], 'lonlat', `ENVELOPE at character ${t.pos + 1}`);
    }
    if (!WKT_TYPES.has(name)) throw this.expected('ENVELOPE(…) or a WKT geometry (POLYGON, POINT, LINESTRING, MULTIPOLYGON…)');
    this.i++;
    return envelopeOfPositions(this.coordinateList(), 'lonlat', `${name} at character ${t.pos + 1}`);
  }

  /** `count` numbers separated by commas (or by spaces, which some clients write). */
  private numberList(count: number): number[] {
    const out = [this.number()];
    while (out.length < count) {
      if (this.isPunct(',')) this.i++;
      out.push(this.number());
    }
    return out;
  }

  /** `( x y, x y … )` or nested lists of them: every position, longitude latitude (a third number is ignored). */
  private coordinateList(): Position[] {
    return this.nested(() => {
      this.expectPunct('(');
      const out: Position[] = [];
      do {
        if (this.isPunct(',')) this.i++;
        if (this.isPunct('(')) out.push(...this.coordinateList());
        else out.push(this.position());
      } while (this.isPunct(','));
      this.expectPunct(')');
      return out;
    });
  }

  private position(): Position {
    const x = this.number();
    const y = this.number();
    while (this.peek().kind === 'number' || this.isPunct('-')) this.number();
    return [x, y];
  }
}

/** Parses a CQL_TEXT constraint into the filter tree; an empty text is `true`. */
export function parseCql(text: string): Filter {
  if (text.length > MAX_CQL_LENGTH) {
    throw new HubError('invalid_parameter', `The CQL constraint is longer than ${MAX_CQL_LENGTH} characters.`, { locator: 'Constraint' });
  }
  if (text.trim() === '') return { op: 'true' };
  return new CqlParser(tokenize(text)).parse();
}
