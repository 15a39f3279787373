/**
 * Proxied service definitions: one validation path for seeds, the admin API and the CLI (STYLE.md §13).
 * Pass 1 is the JSON Schema (schemas/service.schema.json, defaults filled in); pass 2 the cross-checks the
 * schema cannot express: http(s) URLs, tile templates that stay under the registered URL, protocol-dependent
 * defaults, and the OpenStreetMap tile usage policy. Every problem is reported at once with its path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validate } from '../schemas.ts';
import type { ServiceDef, ServiceProtocol, TileLayerDef } from '../store/services.ts';

export interface ServiceProblem {
  /** Where: `services.json#services[2].layers[0].template`, `url`… */
  path: string;
  message: string;
}

export class InvalidServiceError extends Error {
  constructor(readonly problems: ServiceProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'InvalidServiceError';
  }
}

/** The protocols served from the tile cache (/tiles). */
export const TILE_PROTOCOLS: readonly ServiceProtocol[] = ['wmts', 'tms', 'xyz'];
const TEMPLATE_PROTOCOLS: readonly ServiceProtocol[] = ['tms', 'xyz'];

export const OSM_TILE_POLICY = 'https://operations.osmfoundation.org/policies/tiles/';
/** The policy asks for tiles to be cached at least 7 days. */
export const OSM_MIN_MAX_AGE = 7 * 24 * 3600;

/** Headers a definition may not set: they belong to the connection, or to the hub's own framing. */
const RESERVED_HEADERS = /^(host|content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer|proxy-.*)$/i;

/** True for OpenStreetMap's own servers (tile.openstreetmap.org and the other *.openstreetmap.org). */
export function isOpenStreetMap(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === 'openstreetmap.org' || host.endsWith('.openstreetmap.org');
  } catch {
    return false;
  }
}

/** `/layers/0/template` → `layers[0].template` */
function pointerPath(pointer: string): string {
  return pointer.split('/').slice(1).map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`)).join('').replace(/^\./, '');
}

function schemaProblems(input: unknown, prefix: string): ServiceProblem[] {
  return validate('service', input, { fillDefaults: true }).map((p) => ({
    path: `${prefix}${p.path === '/' ? '' : pointerPath(p.path)}` || '(service)',
    message: p.message,
  }));
}

function httpUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http(s) URL, got ${u.protocol}`;
  if (u.username || u.password) return 'must not carry credentials: put an upstream key in upstreamHeaders';
  if (u.hash) return 'must not have a #fragment';
  return null;
}

/** tms and xyz URLs are bases the templates resolve under: no query, and a final '/'. */
function tileBaseProblem(def: ServiceDef): string | null {
  const u = new URL(def.url);
  if (u.search) return 'a tms or xyz base URL takes no query: put query parameters into the layer templates';
  return null;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why a tile template is refused, or null: it must be a relative path that stays under the base URL. */
export function templateProblem(template: string, baseUrl: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(template)) return 'must be relative to the service url (no scheme)';
  if (template.startsWith('/')) return 'must be relative to the service url (no leading "/" or "//")';
  if (/[\\#]/.test(template)) return 'must not contain "\\" or "#"';
  if (/%(2e|2f|5c)/i.test(template)) return 'must not contain encoded ".", "/" or "\\"';
  const pathPart = template.split('?')[0];
  if (pathPart.split('/').some((seg) => seg === '.' || seg === '..')) return 'must not contain "." or ".." segments';
  const names = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
  const unknown = names.filter((n) => !['z', 'x', 'y', '-y'].includes(n));
  if (unknown.length) return `unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}: use {z}, {x}, {y} or {-y}`;
  const rows = names.filter((n) => n === 'y' || n === '-y').length;
  if (!names.includes('z') || !names.includes('x') || rows !== 1) return 'must contain {z}, {x} and one of {y} or {-y}';
  const base = new URL(baseUrl);
  const resolved = new URL(template.replace(PLACEHOLDER, '0'), base);
  if (resolved.origin !== base.origin || !resolved.pathname.startsWith(base.pathname)) {
    return `resolves outside the service url (${resolved.href})`;
  }
  return null;
}

function layerProblems(def: ServiceDef, prefix: string): ServiceProblem[] {
  const problems: ServiceProblem[] = [];
  const layers = def.layers ?? [];
  if (layers.length && !TILE_PROTOCOLS.includes(def.protocol)) {
    problems.push({ path: `${prefix}layers`, message: `only tms, xyz and wmts services have layers here; ${def.protocol} layers come from the capabilities` });
  }
  if (def.protocol === 'xyz' && layers.length === 0) problems.push({ path: `${prefix}layers`, message: 'an xyz service needs at least one layer with a template' });
  const seen = new Set<string>();
  layers.forEach((l: TileLayerDef, i) => {
    const at = `${prefix}layers[${i}]`;
    if (seen.has(l.id)) problems.push({ path: `${at}.id`, message: `duplicate layer id "${l.id}"` });
    seen.add(l.id);
    if (l.minZoom !== undefined && l.maxZoom !== undefined && l.minZoom > l.maxZoom) {
      problems.push({ path: `${at}.minZoom`, message: `minZoom ${l.minZoom} is above maxZoom ${l.maxZoom}` });
    }
    if (l.template === undefined) {
      if (def.protocol === 'xyz') problems.push({ path: `${at}.template`, message: 'an xyz layer needs a template such as "{z}/{x}/{y}.png"' });
      return;
    }
    if (!TEMPLATE_PROTOCOLS.includes(def.protocol)) {
      problems.push({ path: `${at}.template`, message: 'templates are for tms and xyz layers only' });
      return;
    }
    const problem = templateProblem(l.template, def.url);
    if (problem) problems.push({ path: `${at}.template`, message: problem });
  });
  return problems;
}

/** OpenStreetMap's tile usage policy: tiles cached (at least 7 days), no bulk seeding. */
function osmProblems(def: ServiceDef, prefix: string): ServiceProblem[] {
  if (!isOpenStreetMap(def.url)) return [];
  const why = `OpenStreetMap's tile usage policy (${OSM_TILE_POLICY})`;
  const problems: ServiceProblem[] = [];
  if (!def.cache.tiles) problems.push({ path: `${prefix}cache.tiles`, message: `must be true: ${why} asks for tiles to be cached` });
  if (def.cache.maxAgeSeconds < OSM_MIN_MAX_AGE) {
    problems.push({ path: `${prefix}cache.maxAgeSeconds`, message: `must be at least ${OSM_MIN_MAX_AGE} (7 days): ${why} asks for tiles to be cached that long` });
  }
  if (def.cache.seeding) problems.push({ path: `${prefix}cache.seeding`, message: `must be false: ${why} forbids bulk downloading (seeding)` });
  return problems;
}

function crossProblems(def: ServiceDef, prefix: string): ServiceProblem[] {
  const urlProblem = httpUrlProblem(def.url) ?? (TEMPLATE_PROTOCOLS.includes(def.protocol) ? tileBaseProblem(def) : null);
  if (urlProblem) return [{ path: `${prefix}url`, message: urlProblem }];
  const problems = [...layerProblems(def, prefix), ...osmProblems(def, prefix)];
  if (def.cache.tiles && !TILE_PROTOCOLS.includes(def.protocol)) {
    problems.push({ path: `${prefix}cache.tiles`, message: `tile caching applies to wmts, tms and xyz services, not ${def.protocol}` });
  }
  if (def.cache.seeding && !def.cache.tiles && !problems.some((p) => p.path === `${prefix}cache.seeding`)) problems.push({ path: `${prefix}cache.seeding`, message: 'seeding needs cache.tiles' });
  if (def.attribution?.url) {
    const p = httpUrlProblem(def.attribution.url);
    if (p) problems.push({ path: `${prefix}attribution.url`, message: p });
  }
  for (const name of Object.keys(def.upstreamHeaders ?? {})) {
    if (RESERVED_HEADERS.test(name)) problems.push({ path: `${prefix}upstreamHeaders.${name}`, message: 'this header is set by the hub itself' });
  }
  return problems;
}

/** Defaults that depend on other fields, applied where the input left them out. */
function contextualDefaults(def: ServiceDef, given: { tiles?: unknown; maxAgeSeconds?: unknown }): void {
  if (given.tiles === undefined) def.cache.tiles = TILE_PROTOCOLS.includes(def.protocol);
  if (given.maxAgeSeconds === undefined && isOpenStreetMap(def.url)) def.cache.maxAgeSeconds = OSM_MIN_MAX_AGE;
  if (TEMPLATE_PROTOCOLS.includes(def.protocol) && !httpUrlProblem(def.url) && !def.url.endsWith('/') && !new URL(def.url).search) {
    def.url += '/';
  }
}

/**
 * Validates one service definition and returns it with every default filled in; throws an
 * InvalidServiceError listing every problem. The input is not modified.
 */
export function parseService(input: unknown, opts: { prefix?: string } = {}): ServiceDef {
  const prefix = opts.prefix ?? '';
  const copy = structuredClone(input) as Record<string, unknown>;
  const givenCache = { ...((copy && typeof copy === 'object' && typeof copy.cache === 'object' && copy.cache) || {}) } as Record<string, unknown>;
  const problems = schemaProblems(copy, prefix);
  if (problems.length) throw new InvalidServiceError(problems);
  const def = copy as unknown as ServiceDef;
  contextualDefaults(def, givenCache);
  const cross = crossProblems(def, prefix);
  if (cross.length) throw new InvalidServiceError(cross);
  return def;
}

/**
 * What people and clients see instead of an upstream header's value: those values are secrets (an upstream API
 * key). Sent back in a PUT, it means "keep the stored value" (keepStoredHeaders).
 */
export const REDACTED = '***';

/** The definition as shown by the admin API and the CLI: upstreamHeaders keep their names, every value is REDACTED. */
export function redactService(def: ServiceDef): ServiceDef {
  if (!def.upstreamHeaders) return def;
  return { ...def, upstreamHeaders: Object.fromEntries(Object.keys(def.upstreamHeaders).map((name) => [name, REDACTED])) };
}

/**
 * Completes a definition an admin read (redacted), edited and sent back: an upstreamHeaders value that is
 * exactly REDACTED takes the stored value of that header (names compared case-insensitively, as HTTP does);
 * other values replace the stored ones and headers left out are gone. Throws an InvalidServiceError naming each
 * REDACTED header `stored` does not have (or every one when there is no stored definition).
 */
export function keepStoredHeaders(def: ServiceDef, stored: ServiceDef | null, opts: { prefix?: string } = {}): ServiceDef {
  const headers = def.upstreamHeaders;
  if (!headers || !Object.values(headers).includes(REDACTED)) return def;
  const storedValues = new Map(Object.entries(stored?.upstreamHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const problems: ServiceProblem[] = [];
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const kept = value === REDACTED ? storedValues.get(name.toLowerCase()) : value;
    if (kept !== undefined) merged[name] = kept;
    else problems.push({ path: `${opts.prefix ?? ''}upstreamHeaders.${name}`, message: `'${REDACTED}' keeps a stored value, but service ${def.id} has none` });
  }
  if (problems.length) throw new InvalidServiceError(problems);
  return { ...def, upstreamHeaders: merged };
}

/** Reads seeds/services.json and validates every definition; throws with every problem at once. */
export function loadSeedServices(seedsDir: string): ServiceDef[] {
  const file = path.join(seedsDir, 'services.json');
  let doc: { services?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidServiceError([{ path: file, message: `cannot read: ${(err as Error).message}` }]);
  }
  if (!Array.isArray(doc.services)) throw new InvalidServiceError([{ path: `${file}#services`, message: 'must be an array' }]);
  const problems: ServiceProblem[] = [];
  const defs: ServiceDef[] = [];
  const seen = new Set<string>();
  doc.services.forEach((input, i) => {
    const prefix = `${path.basename(file)}#services[${i}].`;
    try {
      const def = parseService(input, { prefix });
      if (seen.has(def.id)) problems.push({ path: `${prefix}id`, message: `duplicate id "${def.id}"` });
      seen.add(def.id);
      defs.push(def);
    } catch (err) {
      if (err instanceof InvalidServiceError) problems.push(...err.problems);
      else throw err;
    }
  });
  if (problems.length) throw new InvalidServiceError(problems);
  return defs;
}
