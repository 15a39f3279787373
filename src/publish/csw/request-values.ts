/**
 * Values shared by the KVP and XML forms of CSW 2.0.2 requests (request.ts): the mandatory service and version,
 * the enumerated parameters, type names, sort keys and constraints, each with the exception a bad value gives.
 */
import { HubError } from '../../errors.ts';
import { parseXml, XmlError } from '../../../mappings/xml/index.ts';
import type { XmlElement } from '../../../mappings/xml/tree.ts';
import type { SortKey } from '../filter/ast.ts';
import { parseOgcFilter } from '../filter/ogc-filter.ts';
import { parseCql } from '../filter/cql.ts';
import { NS_CSW, NS_GMD } from './namespaces.ts';
import { OPERATIONS, type CswOperation as Operation, type ElementSet } from './domains.ts';
import type { Constraint, OutputSchema, ResultType, TypeName } from './request.ts';

export const missing = (name: string) => new HubError('missing_parameter', `Missing parameter "${name}".`, { locator: name });
export const invalid = (name: string, message: string) => new HubError('invalid_parameter', message, { locator: name });

export function operationOf(value: string | undefined, locator: string): Operation {
  if (value === undefined || value.trim() === '') throw missing('request');
  const op = OPERATIONS.find((o) => o.toLowerCase() === value.trim().toLowerCase());
  if (!op) {
    throw new HubError('operation_not_supported',
      `Operation "${value}" is not supported; this CSW offers ${OPERATIONS.join(', ')}.`, { locator });
  }
  return op;
}

export function checkService(value: string | undefined, op: Operation): void {
  if (value === undefined || value.trim() === '') {
    // GetCapabilities requires service too (OGC 06-121r3 §7.2.1), but many clients and pycsw tolerate its absence.
    if (op === 'GetCapabilities') return;
    throw missing('service');
  }
  if (value.trim().toUpperCase() !== 'CSW') throw invalid('service', `service must be "CSW", got "${value}".`);
}

export function checkVersion(value: string | undefined, op: Operation): void {
  if (op === 'GetCapabilities') return;
  if (value === undefined || value.trim() === '') throw missing('version');
  if (value.trim() !== '2.0.2') {
    throw invalid('version', `version "${value}" is not supported; this CSW speaks 2.0.2.`);
  }
}

export function checkAcceptVersions(value: string | undefined): void {
  if (!value) return;
  const versions = value.split(',').map((v) => v.trim());
  if (!versions.includes('2.0.2')) {
    throw new HubError('version_negotiation_failed',
      `None of the accepted versions (${versions.join(', ')}) is supported; this CSW speaks 2.0.2.`, { locator: 'AcceptVersions' });
  }
}

export const SCHEMAS: Record<string, OutputSchema> = {
  'http://www.opengis.net/cat/csw/2.0.2': 'csw',
  'csw:record': 'csw',
  'http://www.isotc211.org/2005/gmd': 'gmd',
  'gmd:md_metadata': 'gmd',
  'http://www.isotc211.org/2005/gmd/': 'gmd',
};

export function outputSchemaOf(value: string | undefined): OutputSchema {
  if (value === undefined || value.trim() === '') return 'csw';
  const s = SCHEMAS[value.trim().toLowerCase()];
  if (!s) {
    throw invalid('outputSchema', `outputSchema "${value}" is not supported; use http://www.opengis.net/cat/csw/2.0.2 ` +
      'or http://www.isotc211.org/2005/gmd.');
  }
  return s;
}

export function elementSetOf(value: string | undefined, dflt: ElementSet | null): ElementSet | null {
  if (value === undefined || value.trim() === '') return dflt;
  const v = value.trim().toLowerCase();
  if (v === 'brief' || v === 'summary' || v === 'full') return v;
  throw invalid('ElementSetName', `ElementSetName must be brief, summary or full, got "${value}".`);
}

export function resultTypeOf(value: string | undefined): ResultType {
  if (value === undefined || value.trim() === '') return 'hits';
  const v = value.trim().toLowerCase();
  if (v === 'hits' || v === 'results' || v === 'validate') return v;
  throw invalid('resultType', `resultType must be hits, results or validate, got "${value}".`);
}

export function positiveInt(value: string | undefined, name: string, dflt: number, min: number): number {
  if (value === undefined || value.trim() === '') return dflt;
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw invalid(name, `${name} must be an integer of at least ${min}, got "${value}".`);
  }
  return Number(v);
}

/**
 * Type names as written (`csw:Record`, `gmd:MD_Metadata`, any prefix bound to those namespaces, or the bare
 * local name); `prefixes` resolves the prefix (KVP `namespace` parameter, or the in-scope declarations).
 */
export function typeNamesOf(values: string[], prefixes: Map<string, string>, locator: string): TypeName[] {
  const out: TypeName[] = [];
  for (const raw of values.flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== '')) {
    const [prefix, local] = raw.includes(':') ? raw.split(':', 2) : ['', raw];
    const uri = prefixes.get(prefix) ?? (prefix === 'csw' ? NS_CSW : prefix === 'gmd' ? NS_GMD : prefix === '' ? '' : undefined);
    if (local === 'Record' && (uri === NS_CSW || uri === '')) out.push('csw:Record');
    else if (local === 'MD_Metadata' && (uri === NS_GMD || uri === '')) out.push('gmd:MD_Metadata');
    else throw invalid(locator, `Unknown type name "${raw}"; this CSW serves csw:Record and gmd:MD_Metadata.`);
  }
  return [...new Set(out)];
}

/** KVP `namespace=xmlns(csw=http://…),xmlns(gmd=http://…)`. */
export function kvpNamespaces(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of (value ?? '').matchAll(/xmlns\(\s*(?:([A-Za-z_][\w.-]*)\s*=\s*)?([^)]+?)\s*\)/g)) out.set(m[1] ?? '', m[2]);
  return out;
}

/** KVP `sortBy=apiso:Title:A,apiso:Modified:D` (a bare property sorts ascending). */
export function kvpSortBy(value: string | undefined): SortKey[] {
  if (!value) return [];
  return value.split(',').filter((s) => s.trim() !== '').map((item) => {
    const m = /^(.*?)(?::(A|D|ASC|DESC))?$/i.exec(item.trim())!;
    return { property: m[1], descending: /^D/i.test(m[2] ?? '') };
  });
}

export function constraintOf(language: string | undefined, text: string | undefined, locator: string): Constraint | null {
  if (text === undefined || text.trim() === '') {
    if (language) throw missing('constraint');
    return null;
  }
  const lang = (language ?? '').trim().toUpperCase();
  if (lang === '') throw missing('constraintLanguage');
  if (lang === 'CQL_TEXT') return { language: 'CQL_TEXT', filter: parseCql(text) };
  if (lang === 'FILTER') return { language: 'FILTER', filter: parseOgcFilter(parseRequestXml(text, locator)) };
  throw invalid('constraintLanguage', `constraintLanguage must be FILTER or CQL_TEXT, got "${language}".`);
}

export function parseRequestXml(text: string, locator: string): XmlElement {
  try {
    return parseXml(text).root;
  } catch (err) {
    const reason = err instanceof XmlError ? err.message : String(err);
    throw new HubError('invalid_body', `The ${locator === 'request' ? 'request body' : locator} is not well-formed XML: ${reason}`,
      { locator, cause: err });
  }
}

