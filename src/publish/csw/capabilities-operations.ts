/**
 * ows:OperationsMetadata of the CSW capabilities: every operation with its GET and POST endpoint and the
 * domains of its parameters (from domains.ts), the queryables (from the one queryables table,
 * mappings/queryables.ts) and the service-wide parameters and constraints.
 */
import { QUERYABLES, type Queryable } from '../../../mappings/queryables.ts';
import { CSW_SERVICE, CSW_VERSION, OPERATIONS, PARAMETER_DOMAINS, type CswOperation } from './domains.ts';
import { OUTPUT_SCHEMA_GMD } from './namespaces.ts';
import { attribute, textElement, type Node } from './xml.ts';

export interface OperationsOptions {
  /** The CSW endpoint, `${baseUrl}/csw`: both the GET and the POST address of every operation. */
  endpoint: string;
  /** INSPIRE languages (ISO 639-2/B), advertised as the GetCapabilities LANGUAGE parameter when present. */
  languages?: readonly string[];
  /** maxRecords when the request has none. */
  maxRecordDefault: number;
}

const distinct = (names: string[]): string[] => [...new Set(names)];

/** apiso:* names of the ISO AP SupportedISOQueryables list. */
export function isoQueryables(): string[] {
  return QUERYABLES.filter((q) => q.list === 'iso').map((q) => q.name);
}

/** ISO AP AdditionalQueryables, followed by the hub's own (moisson:*). */
export function additionalQueryables(): string[] {
  return QUERYABLES.filter((q) => q.list === 'additional' || q.list === 'hub').map((q) => q.name);
}

/**
 * The Dublin Core queryables (csw:AnyText, dc:*, dct:*, ows:BoundingBox): the table lists them as aliases of
 * the ISO property they stand for, or as names of their own (list 'dc').
 */
export function dublinCoreQueryables(): string[] {
  const isDc = (n: string): boolean => /^(csw|dc|dct|ows):/i.test(n);
  return distinct(QUERYABLES.flatMap((q: Queryable) => [q.name, ...q.aliases].filter((n) => q.list === 'dc' || isDc(n))));
}

/** Queryables GetDomain can list the values of (bounded domains). */
export function domainQueryables(): string[] {
  return QUERYABLES.filter((q) => q.domain).map((q) => q.name);
}

/** Appends ows:OperationsMetadata; returns it so that extended capabilities can be added last. */
export function operationsMetadata(parent: Node, opts: OperationsOptions): Node {
  const om = parent.ele('ows:OperationsMetadata');
  for (const op of OPERATIONS) operation(om, op, opts);
  domain(om, 'ows:Parameter', 'service', [CSW_SERVICE]);
  domain(om, 'ows:Parameter', 'version', [CSW_VERSION]);
  // GeoNetwork's harvester and the ISO AP (OGC 07-045 §7.4) look for the ISO profile here.
  domain(om, 'ows:Constraint', 'IsoProfiles', [OUTPUT_SCHEMA_GMD]);
  domain(om, 'ows:Constraint', 'PostEncoding', ['XML']);
  domain(om, 'ows:Constraint', 'MaxRecordDefault', [String(opts.maxRecordDefault)]);
  return om;
}

/** One ows:Operation: DCP, then its Parameters, then its Constraints (OWS 1.0.0 OperationType order). */
function operation(om: Node, name: CswOperation, opts: OperationsOptions): void {
  const op = om.ele('ows:Operation').att('name', name);
  const http = op.ele('ows:DCP').ele('ows:HTTP');
  attribute(http.ele('ows:Get').att('xlink:type', 'simple'), 'xlink:href', opts.endpoint);
  attribute(http.ele('ows:Post').att('xlink:type', 'simple'), 'xlink:href', opts.endpoint);
  for (const [key, values] of Object.entries(PARAMETER_DOMAINS)) {
    if (key.startsWith(`${name}.`)) domain(op, 'ows:Parameter', key.slice(name.length + 1), values);
  }
  if (name === 'GetCapabilities' && opts.languages?.length) {
    // INSPIRE TG Discovery Services: the LANGUAGE request parameter and the languages it accepts.
    domain(op, 'ows:Parameter', 'LANGUAGE', opts.languages);
  }
  if (name === 'GetDomain') {
    domain(op, 'ows:Parameter', 'ParameterName', Object.keys(PARAMETER_DOMAINS));
    domain(op, 'ows:Parameter', 'PropertyName', domainQueryables());
  }
  if (name === 'GetRecords') {
    domain(op, 'ows:Constraint', 'SupportedISOQueryables', isoQueryables());
    domain(op, 'ows:Constraint', 'AdditionalQueryables', additionalQueryables());
    domain(op, 'ows:Constraint', 'SupportedDublinCoreQueryables', dublinCoreQueryables());
  }
}

/** An ows:DomainType element (Parameter or Constraint) listing its values. */
function domain(parent: Node, element: string, name: string, values: readonly string[]): void {
  const el = parent.ele(element).att('name', name);
  for (const v of values) textElement(el, 'ows:Value', v);
}
