/**
 * What this CSW 2.0.2 supports, as values: the parameter domains GetCapabilities advertises, the request
 * parser accepts and GetDomain(ParameterName) lists. One table, so that the three never disagree.
 */
import { OUTPUT_SCHEMA_CSW, OUTPUT_SCHEMA_GMD } from './namespaces.ts';

export const CSW_VERSION = '2.0.2';
export const CSW_SERVICE = 'CSW';

export const OPERATIONS = ['GetCapabilities', 'DescribeRecord', 'GetRecords', 'GetRecordById', 'GetDomain'] as const;
export type CswOperation = (typeof OPERATIONS)[number];

export const TYPE_NAMES = ['csw:Record', 'gmd:MD_Metadata'] as const;
export const OUTPUT_SCHEMAS = [OUTPUT_SCHEMA_CSW, OUTPUT_SCHEMA_GMD] as const;
export const OUTPUT_FORMATS = ['application/xml'] as const;
export const RESULT_TYPES = ['hits', 'results', 'validate'] as const;
export const ELEMENT_SETS = ['brief', 'summary', 'full'] as const;
export type ElementSet = (typeof ELEMENT_SETS)[number];
export const CONSTRAINT_LANGUAGES = ['FILTER', 'CQL_TEXT'] as const;
/** GetCapabilities `sections` (OWS 1.0.0 §7.3.3 and CSW 2.0.2 Table 6); "All" stands for every one. */
export const SECTIONS = ['ServiceIdentification', 'ServiceProvider', 'OperationsMetadata', 'Filter_Capabilities'] as const;
export type Section = (typeof SECTIONS)[number];
/** DescribeRecord schemaLanguage: XML Schema, under the names OGC 07-006r1 and clients use. */
export const SCHEMA_LANGUAGES = ['http://www.w3.org/XML/Schema', 'XMLSCHEMA'] as const;

/**
 * The parameters of each operation with their finite domains (`Operation.parameter` is the GetDomain
 * ParameterName form, OGC 07-006r1 §10.5.3).
 */
export const PARAMETER_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  'GetCapabilities.sections': SECTIONS,
  'DescribeRecord.typeName': TYPE_NAMES,
  'DescribeRecord.outputFormat': OUTPUT_FORMATS,
  'DescribeRecord.schemaLanguage': SCHEMA_LANGUAGES,
  'GetRecords.typeNames': TYPE_NAMES,
  'GetRecords.outputSchema': OUTPUT_SCHEMAS,
  'GetRecords.outputFormat': OUTPUT_FORMATS,
  'GetRecords.resultType': RESULT_TYPES,
  'GetRecords.ElementSetName': ELEMENT_SETS,
  'GetRecords.CONSTRAINTLANGUAGE': CONSTRAINT_LANGUAGES,
  'GetRecordById.outputSchema': OUTPUT_SCHEMAS,
  'GetRecordById.outputFormat': OUTPUT_FORMATS,
  'GetRecordById.ElementSetName': ELEMENT_SETS,
};

/** The domain of a `Operation.parameter` name, matched case-insensitively; undefined when unknown. */
export function parameterDomain(name: string): { name: string; values: readonly string[] } | undefined {
  const wanted = name.trim().toLowerCase();
  const key = Object.keys(PARAMETER_DOMAINS).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : { name: key, values: PARAMETER_DOMAINS[key] };
}

/** A KVP GetRecordById URL on `endpoint` (the INSPIRE MetadataUrl, dct:references to the ISO form). */
export function getRecordByIdUrl(endpoint: string, id: string, outputSchema: string): string {
  const q = new URLSearchParams({ service: CSW_SERVICE, version: CSW_VERSION, request: 'GetRecordById', id, outputSchema });
  return `${endpoint}?${q.toString()}`;
}
