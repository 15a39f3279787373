/**
 * OGC Filter Encoding -> the filter tree (ast.ts): Filter 1.1.0 (OGC 04-095, what CSW 2.0.2 clients send in
 * `csw:Constraint`), with the element names of Filter 1.0.0 and FES 2.0 (OGC 09-026r2) where they map
 * (`fes:ValueReference` for `ogc:PropertyName`, `PropertyIsNil` for `PropertyIsNull`, the `escape` attribute of
 * Filter 1.0 for `escapeChar`). Elements are matched by namespace URI and local name, never by prefix (DESIGN §3).
 *
 * Spatial operators compare envelopes: a gml:Envelope or gml:Box is taken as is (west > east crosses the
 * antimeridian), any other geometry (gml:Polygon, gml:Point, multi-geometries) by its bounding box.
 *
 * Errors are `invalid_parameter` with locator `Constraint` (`SortBy` for parseSortBy), naming the element.
 */
import { HubError } from '../../errors.ts';
import { attribute, elements, inScopeNamespaces, parseXml, textOf, XmlError, type XmlElement } from '../../../mappings/xml/index.ts';
import type { ComparisonOp, Filter, SortKey, SpatialOp } from './ast.ts';
import { axisOrder, envelopeFromCorners, envelopeOfPositions, type Position } from './crs.ts';

export const NS_OGC = 'http://www.opengis.net/ogc';
export const NS_FES = 'http://www.opengis.net/fes/2.0';
const FILTER_NS: readonly string[] = [NS_OGC, NS_FES];
const GML_NS: readonly string[] = ['http://www.opengis.net/gml', 'http://www.opengis.net/gml/3.2'];

/** Largest constraint document accepted (a filter is a few KB; this bounds a hostile one). */
const MAX_FILTER_BYTES = 1024 * 1024;

/**
 * Prefixes a property name is rewritten to when the client bound its own prefix to one of these namespaces,
 * so that `x:title` with `xmlns:x="http://purl.org/dc/elements/1.1/"` is `dc:title` to the queryables table.
 */
const QUERYABLE_PREFIXES: Readonly<Record<string, string>> = {
  'http://www.opengis.net/cat/csw/apiso/1.0': 'apiso',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dct',
  'http://www.opengis.net/cat/csw/2.0.2': 'csw',
  'http://www.opengis.net/ows': 'ows',
};

// ---- Helpers ---------------------------------------------------------------------------------------------------

function invalid(message: string, locator = 'Constraint'): HubError {
  return new HubError('invalid_parameter', message, { locator });
}

/** The element's name as the client wrote it, for messages. */
function label(el: XmlElement): string {
  return el.prefix ? `${el.prefix}:${el.local}` : el.local;
}

function isFilterNs(el: XmlElement): boolean {
  return FILTER_NS.includes(el.uri);
}

function isNamed(el: XmlElement, ...locals: string[]): boolean {
  return isFilterNs(el) && locals.includes(el.local);
}

const isPropertyRef = (el: XmlElement): boolean => isNamed(el, 'PropertyName', 'ValueReference');
const isLiteral = (el: XmlElement): boolean => isNamed(el, 'Literal');

/** A property name with its prefix rewritten from the in-scope xmlns bindings (see QUERYABLE_PREFIXES). */
function propertyName(el: XmlElement): string {
  const text = textOf(el).trim();
  if (!text) throw invalid(`${label(el)} is empty in ${label(el.parent ?? el)}.`);
  const m = /^(\/*)([A-Za-z_][\w.-]*):(.+)$/.exec(text);
  if (!m) return text;
  const uri = inScopeNamespaces(el).get(m[2]);
  const canonical = uri === undefined ? undefined : QUERYABLE_PREFIXES[uri];
  return canonical ? `${m[1]}${canonical}:${m[3]}` : text;
}

function literalValue(el: XmlElement): string {
  return textOf(el).trim();
}

/** A boolean attribute (`matchCase`): undefined when absent. */
function booleanAttribute(el: XmlElement, name: string): boolean | undefined {
  const v = attribute(el, '', name)?.trim();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(`${label(el)}: ${name}="${v}" is not a boolean (true or false).`);
}

// ---- Comparison operators --------------------------------------------------------------------------------------

const COMPARISONS: Readonly<Record<string, ComparisonOp>> = {
  PropertyIsEqualTo: 'eq',
  PropertyIsNotEqualTo: 'ne',
  PropertyIsLessThan: 'lt',
  PropertyIsGreaterThan: 'gt',
  PropertyIsLessThanOrEqualTo: 'le',
  PropertyIsGreaterThanOrEqualTo: 'ge',
};

/** `5 < x` is `x > 5`: the operator seen from the property's side when the literal comes first. */
const MIRRORED: Readonly<Record<ComparisonOp, ComparisonOp>> = { eq: 'eq', ne: 'ne', lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' };

/** The property and the literal of a binary operator, in either order. */
function propertyAndLiteral(el: XmlElement): { property: string; value: string; reversed: boolean } {
  const operands = elements(el);
  const [a, b] = operands;
  if (operands.length === 2 && isPropertyRef(a) && isLiteral(b)) return { property: propertyName(a), value: literalValue(b), reversed: false };
  if (operands.length === 2 && isLiteral(a) && isPropertyRef(b)) return { property: propertyName(b), value: literalValue(a), reversed: true };
  const found = operands.map(label).join(', ') || 'nothing';
  throw invalid(`${label(el)} must contain a PropertyName (or ValueReference) and a Literal; found ${found}.`);
}

function comparison(op: ComparisonOp) {
  return (el: XmlElement): Filter => {
    const { property, value, reversed } = propertyAndLiteral(el);
    const matchCase = booleanAttribute(el, 'matchCase');
    const f: Filter = { op: reversed ? MIRRORED[op] : op, property, value };
    return matchCase === undefined ? f : { ...f, matchCase };
  };
}

/** One character of a PropertyIsLike attribute; OWSLib, GeoNetwork and udata all send `%`, `_`, `\` (the defaults). */
function likeChar(el: XmlElement, names: string[], dflt: string): string {
  const value = names.map((n) => attribute(el, '', n)).find((v) => v !== undefined) ?? dflt;
  if ([...value].length !== 1) throw invalid(`${label(el)}: ${names[0]}="${value}" must be a single character.`);
  return value;
}

function parseLike(el: XmlElement): Filter {
  const { property, value, reversed } = propertyAndLiteral(el);
  if (reversed) throw invalid(`${label(el)}: the PropertyName must come before the Literal.`);
  const wildCard = likeChar(el, ['wildCard'], '%');
  const singleChar = likeChar(el, ['singleChar'], '_');
  // Filter 1.1 and FES 2.0 say escapeChar; Filter 1.0 said escape.
  const escapeChar = likeChar(el, ['escapeChar', 'escape'], '\\');
  if (new Set([wildCard, singleChar, escapeChar]).size !== 3) {
    throw invalid(`${label(el)}: wildCard, singleChar and escapeChar must be three different characters.`);
  }
  const matchCase = booleanAttribute(el, 'matchCase');
  const f: Filter = { op: 'like', property, pattern: value, wildCard, singleChar, escapeChar };
  return matchCase === undefined ? f : { ...f, matchCase };
}

/** The Literal inside a LowerBoundary / UpperBoundary. */
function boundary(el: XmlElement, local: string): string {
  const b = elements(el).find((c) => isNamed(c, local));
  const literal = b ? elements(b).find(isLiteral) : undefined;
  if (!literal) throw invalid(`${label(el)} needs a ${local} holding a Literal.`);
  return literalValue(literal);
}

function parseBetween(el: XmlElement): Filter {
  const ref = elements(el).find(isPropertyRef);
  if (!ref) throw invalid(`${label(el)} needs a PropertyName (or ValueReference).`);
  return { op: 'between', property: propertyName(ref), lower: boundary(el, 'LowerBoundary'), upper: boundary(el, 'UpperBoundary') };
}

function parseNull(el: XmlElement): Filter {
  const ref = elements(el).find(isPropertyRef);
  if (!ref) throw invalid(`${label(el)} needs a PropertyName (or ValueReference).`);
  return { op: 'null', property: propertyName(ref) };
}

// ---- Logical operators -----------------------------------------------------------------------------------------

function logical(op: 'and' | 'or') {
  // The schema asks for two operands at least; one is accepted as itself, none as the neutral element.
  return (el: XmlElement): Filter => {
    const args = elements(el).map(parseCondition);
    if (args.length === 0) return { op: op === 'and' ? 'true' : 'false' };
    return args.length === 1 ? args[0] : { op, args };
  };
}

function parseNot(el: XmlElement): Filter {
  const operands = elements(el);
  if (operands.length !== 1) throw invalid(`${label(el)} must contain exactly one condition, found ${operands.length}.`);
  return { op: 'not', arg: parseCondition(operands[0]) };
}

// ---- Spatial operators -----------------------------------------------------------------------------------------

const SPATIAL: Readonly<Record<string, SpatialOp>> = {
  BBOX: 'bbox',
  Intersects: 'intersects',
  Within: 'within',
  Contains: 'contains',
  Disjoint: 'disjoint',
  Equals: 'equals',
  Overlaps: 'overlaps',
};

function numbers(el: XmlElement, text: string): number[] {
  const parts = text.trim().split(/\s+/).filter((s) => s !== '');
  return parts.map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw invalid(`${label(el)}: '${s}' is not a number.`);
    return n;
  });
}

/** One position (gml:pos, gml:lowerCorner…): its first two numbers (a third, the height, is ignored). */
function position(el: XmlElement): Position {
  const ns = numbers(el, textOf(el));
  if (ns.length < 2) throw invalid(`${label(el)} needs two coordinates, found '${textOf(el).trim()}'.`);
  return [ns[0], ns[1]];
}

/** gml:coord (GML 2): X and Y children. */
function coord(el: XmlElement): Position {
  const value = (local: string): number => {
    const c = elements(el).find((e) => GML_NS.includes(e.uri) && e.local === local);
    if (!c) throw invalid(`${label(el)} needs gml:X and gml:Y.`);
    const [n] = numbers(c, textOf(c));
    if (n === undefined) throw invalid(`${label(c)} is empty.`);
    return n;
  };
  return [value('X'), value('Y')];
}

/** gml:coordinates: tuples separated by `ts` (default a space), coordinates by `cs` (default a comma). */
function coordinates(el: XmlElement): Position[] {
  const cs = attribute(el, '', 'cs') ?? ',';
  const ts = attribute(el, '', 'ts') ?? ' ';
  const decimal = attribute(el, '', 'decimal') ?? '.';
  const text = textOf(el).trim();
  const tuples = /^\s+$/.test(ts) ? text.split(/\s+/) : text.split(ts).map((t) => t.trim());
  return tuples.filter((t) => t !== '').map((t) => {
    const ns = t.split(cs).map((c) => c.trim().split(decimal).join('.')).join(' ');
    const values = numbers(el, ns);
    if (values.length < 2) throw invalid(`${label(el)}: '${t}' is not a coordinate pair.`);
    return [values[0], values[1]] as Position;
  });
}

/** gml:posList: `srsDimension` numbers per position (default 2). */
function posList(el: XmlElement, dimension: number): Position[] {
  const values = numbers(el, textOf(el));
  if (values.length % dimension !== 0) throw invalid(`${label(el)} holds ${values.length} numbers, not a multiple of ${dimension}.`);
  const out: Position[] = [];
  for (let i = 0; i < values.length; i += dimension) out.push([values[i], values[i + 1]]);
  return out;
}

/** Every position under a GML geometry, in document order. */
function positionsOf(el: XmlElement, dimension: number): Position[] {
  const dim = Number(attribute(el, '', 'srsDimension') ?? dimension) || 2;
  if (GML_NS.includes(el.uri)) {
    if (['pos', 'lowerCorner', 'upperCorner'].includes(el.local)) return [position(el)];
    if (el.local === 'posList') return posList(el, dim);
    if (el.local === 'coordinates') return coordinates(el);
    if (el.local === 'coord') return [coord(el)];
  }
  return elements(el).flatMap((c) => positionsOf(c, dim));
}

/** gml:Envelope (lowerCorner/upperCorner, or two gml:pos) and gml:Box (coordinates or two gml:coord). */
function corners(geometry: XmlElement): [Position, Position] {
  const positions = positionsOf(geometry, 2);
  if (positions.length !== 2) {
    throw invalid(`${label(geometry)} needs exactly two corners (lowerCorner and upperCorner), found ${positions.length}.`);
  }
  return [positions[0], positions[1]];
}

function geometryOf(el: XmlElement): XmlElement {
  const candidates = elements(el).flatMap((c) => (isLiteral(c) ? elements(c) : [c])).filter((c) => !isPropertyRef(c));
  const geometry = candidates.find((c) => GML_NS.includes(c.uri));
  if (!geometry) {
    const found = candidates.map(label).join(', ') || 'nothing';
    throw invalid(`${label(el)} needs a GML geometry (gml:Envelope, gml:Box or gml:Polygon); found ${found}.`);
  }
  return geometry;
}

function spatial(op: SpatialOp) {
  return (el: XmlElement): Filter => {
    const ref = elements(el).find(isPropertyRef);
    // Filter 1.1 makes the BBOX PropertyName optional: the record's bounding box is meant.
    const property = ref ? propertyName(ref) : 'ows:BoundingBox';
    const geometry = geometryOf(el);
    const order = axisOrder(attribute(geometry, '', 'srsName'));
    const what = `${label(el)} ${label(geometry)}`;
    const envelope = geometry.local === 'Envelope' || geometry.local === 'Box'
      ? envelopeFromCorners(...corners(geometry), order, what)
      : envelopeOfPositions(positionsOf(geometry, 2), order, what);
    return { op, property, envelope };
  };
}

// ---- Dispatch --------------------------------------------------------------------------------------------------

type ConditionParser = (el: XmlElement) => Filter;

const PARSERS: Readonly<Record<string, ConditionParser>> = {
  And: logical('and'),
  Or: logical('or'),
  Not: parseNot,
  ...Object.fromEntries(Object.entries(COMPARISONS).map(([name, op]) => [name, comparison(op)])),
  PropertyIsLike: parseLike,
  PropertyIsBetween: parseBetween,
  PropertyIsNull: parseNull,
  PropertyIsNil: parseNull,
  ...Object.fromEntries(Object.entries(SPATIAL).map(([name, op]) => [name, spatial(op)])),
};

/** Known Filter / FES elements the hub does not implement, named as such rather than as unknown. */
const UNSUPPORTED: ReadonlySet<string> = new Set([
  'Touches', 'Crosses', 'DWithin', 'Beyond', 'FeatureId', 'GmlObjectId', 'ResourceId', 'Function',
  'After', 'Before', 'Begins', 'BegunBy', 'TContains', 'During', 'EndedBy', 'Ends', 'TEquals', 'Meets', 'MetBy',
  'TOverlaps', 'OverlappedBy', 'AnyInteracts',
]);

function parseCondition(el: XmlElement): Filter {
  const parser = isFilterNs(el) ? PARSERS[el.local] : undefined;
  if (parser) return parser(el);
  if (isFilterNs(el) && UNSUPPORTED.has(el.local)) throw invalid(`The filter operator ${label(el)} is not supported.`);
  throw invalid(`Unknown filter element ${label(el)} {${el.uri}}${el.local}.`);
}

function parseConstraintText(xml: string): XmlElement {
  try {
    return parseXml(xml, { maxBytes: MAX_FILTER_BYTES }).root;
  } catch (e) {
    if (e instanceof XmlError) throw invalid(`The filter is not well-formed XML: ${e.message}`);
    throw e;
  }
}

const isFilterElement = (el: XmlElement): boolean => isNamed(el, 'Filter');

/**
 * Parses an ogc:Filter (or fes:Filter), given as text (the KVP CONSTRAINT parameter) or as an element of an
 * already parsed request; a csw:Constraint holding the filter is accepted too. An empty filter is `true`;
 * several conditions directly under the Filter (not schema-valid) are read as their conjunction.
 */
export function parseOgcFilter(xml: string | XmlElement): Filter {
  const root = typeof xml === 'string' ? parseConstraintText(xml) : xml;
  const filter = isFilterElement(root) ? root : elements(root).find(isFilterElement);
  if (!filter) {
    throw invalid(`Expected an ogc:Filter element (namespace ${NS_OGC}), found ${label(root)} {${root.uri}}${root.local}.`);
  }
  const conditions = elements(filter).map(parseCondition);
  if (conditions.length === 0) return { op: 'true' };
  return conditions.length === 1 ? conditions[0] : { op: 'and', args: conditions };
}

function sortOrder(el: XmlElement | undefined): boolean {
  const order = el ? textOf(el).trim().toUpperCase() : 'ASC';
  if (order === 'ASC' || order === 'A' || order === '') return false;
  if (order === 'DESC' || order === 'D') return true;
  throw invalid(`SortOrder must be ASC or DESC, got '${el ? textOf(el).trim() : ''}'.`, 'SortBy');
}

/** ogc:SortBy (or fes:SortBy): its SortProperty keys in order; SortOrder ASC / DESC (or A / D), ASC by default. */
export function parseSortBy(el: XmlElement): SortKey[] {
  if (!isNamed(el, 'SortBy')) throw invalid(`Expected an ogc:SortBy element, found ${label(el)}.`, 'SortBy');
  return elements(el).map((sp) => {
    if (!isNamed(sp, 'SortProperty')) throw invalid(`Unexpected ${label(sp)} in ${label(el)}: expected SortProperty.`, 'SortBy');
    const ref = elements(sp).find(isPropertyRef);
    if (!ref) throw invalid(`${label(sp)} needs a PropertyName (or ValueReference).`, 'SortBy');
    const property = textOf(ref).trim() ? propertyName(ref) : '';
    if (!property) throw invalid(`${label(ref)} is empty in ${label(sp)}.`, 'SortBy');
    return { property, descending: sortOrder(elements(sp).find((c) => isNamed(c, 'SortOrder'))) };
  });
}
