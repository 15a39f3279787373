/**
 * JSON Schema validation (ajv, draft 2020-12) for everything under schemas/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const schemaDir = fileURLToPath(new URL('../schemas/', import.meta.url));

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
/** A second instance that fills in defaults (service definitions: politeness, cache policy…). */
const ajvDefaults = new Ajv2020({ allErrors: true, strict: true, useDefaults: true });
addFormats(ajvDefaults);
const cache = new Map<string, ValidateFunction>();

/** Names of the schemas shipped in schemas/ (file name without `.schema.json`). */
export const SCHEMA_NAMES = ['record', 'source', 'service', 'config'] as const;
export type SchemaName = typeof SCHEMA_NAMES[number];

export function schemaPath(name: SchemaName): string {
  return `${schemaDir}${name}.schema.json`;
}

function validator(name: SchemaName, defaults = false): ValidateFunction {
  const key = `${name}${defaults ? '+defaults' : ''}`;
  let fn = cache.get(key);
  if (!fn) {
    fn = (defaults ? ajvDefaults : ajv).compile(JSON.parse(readFileSync(schemaPath(name), 'utf8')));
    cache.set(key, fn);
  }
  return fn;
}

export interface SchemaProblem {
  /** JSON Pointer into the validated value. */
  path: string;
  message: string;
}

/**
 * Validates `value` against schemas/{name}.schema.json; returns every problem found (empty when valid).
 * With `fillDefaults`, the schema's defaults are written into `value` (pass a copy).
 */
export function validate(name: SchemaName, value: unknown, opts: { fillDefaults?: boolean } = {}): SchemaProblem[] {
  const fn = validator(name, opts.fillDefaults);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e: ErrorObject) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}` +
      (e.params && 'allowedValues' in e.params ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : ''),
  }));
}
