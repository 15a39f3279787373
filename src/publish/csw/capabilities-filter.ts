/**
 * ogc:Filter_Capabilities (Filter Encoding 1.1.0, filterCapabilities.xsd): exactly what the filter tree of
 * src/publish/filter/ast.ts can express, so that a client never builds a filter the hub then rejects. The
 * tables are keyed by the tree's operators: adding an operator there fails type-checking here until it is
 * advertised.
 */
import type { ComparisonOp, SpatialOp } from '../filter/ast.ts';
import type { Node } from './xml.ts';

/** Filter 1.1 SpatialOperatorNameType of each spatial operator of the filter tree. */
export const SPATIAL_OPERATORS: Readonly<Record<SpatialOp, string>> = {
  bbox: 'BBOX',
  intersects: 'Intersects',
  within: 'Within',
  contains: 'Contains',
  disjoint: 'Disjoint',
  equals: 'Equals',
  overlaps: 'Overlaps',
};

/** Filter 1.1 ComparisonOperatorType of each scalar operator of the filter tree. */
export const COMPARISON_OPERATORS: Readonly<Record<ComparisonOp | 'like' | 'between' | 'null', string>> = {
  eq: 'EqualTo',
  ne: 'NotEqualTo',
  lt: 'LessThan',
  gt: 'GreaterThan',
  le: 'LessThanEqualTo',
  ge: 'GreaterThanEqualTo',
  like: 'Like',
  between: 'Between',
  null: 'NullCheck',
};

/**
 * Geometry operands: the filter tree only holds envelopes (spatial operators are evaluated on bounding
 * boxes), so gml:Envelope is the one operand advertised. The QName needs the GML 3.1.1 prefix in scope.
 */
export const GEOMETRY_OPERANDS = ['gml:Envelope'] as const;

/** Appends ogc:Filter_Capabilities (its three sections are all mandatory in the schema). */
export function filterCapabilities(parent: Node): void {
  const fc = parent.ele('ogc:Filter_Capabilities');
  const spatial = fc.ele('ogc:Spatial_Capabilities');
  const operands = spatial.ele('ogc:GeometryOperands');
  for (const g of GEOMETRY_OPERANDS) operands.ele('ogc:GeometryOperand').txt(g);
  const operators = spatial.ele('ogc:SpatialOperators');
  for (const name of Object.values(SPATIAL_OPERATORS)) operators.ele('ogc:SpatialOperator').att('name', name);
  const scalar = fc.ele('ogc:Scalar_Capabilities');
  // And, Or and Not: Filter 1.1 has no finer way to say which logical operators are supported.
  scalar.ele('ogc:LogicalOperators');
  const comparison = scalar.ele('ogc:ComparisonOperators');
  for (const name of Object.values(COMPARISON_OPERATORS)) comparison.ele('ogc:ComparisonOperator').txt(name);
  // Id_Capabilities is mandatory and needs at least one child; EID and FID are what pycsw and GeoNetwork list.
  const ids = fc.ele('ogc:Id_Capabilities');
  ids.ele('ogc:EID');
  ids.ele('ogc:FID');
}
