/**
 * Admission to the proxied services (DESIGN.md §8): which registered service a request is for, whether it may
 * use it, and the upstream client it goes through. Every proxy route (/ows, /tiles, /download) calls `admit`
 * first; nothing reaches an upstream otherwise.
 *
 * Credentials of a restricted service, in this order: header `X-Moisson-Key: <secret>`, query parameter
 * `key=<secret>` (web applications; removed before forwarding with `stripKeyParam`), HTTP Basic with the secret
 * as password and any user name (GIS clients: QGIS, ArcGIS and GDAL only know Basic).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { HubError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { findAccessKey, getService, type AccessKey, type ServiceDef, type ServiceProtocol } from '../store/services.ts';
import type { HubMetrics } from '../http/metrics.ts';
import { upstreamFor, type Upstream } from './clients/upstream.ts';
import type { UsageRecorder } from './usage.ts';
import { hasCredentials, KEY_HEADER } from './services/tile-url.ts';

export type { UsageRecorder } from './usage.ts';
export { createUsageRecorder } from './usage.ts';

export interface ProxyDeps {
  db: Db;
  baseUrl: string;
  dataDir: string;
  logger: Logger;
  metrics?: HubMetrics;
  usage: UsageRecorder;
}

export interface Admitted {
  service: ServiceDef;
  key: AccessKey | null;
  upstream: Upstream;
}

/** The query parameter that carries a key (any case: OGC clients may upper-case KVP names). */
const KEY_PARAM = 'key';
export { KEY_HEADER };

/**
 * How long a service definition or a key lookup is trusted. The tile path serves thousands of requests a
 * second and must not query the store for each: a changed service, a new or revoked key takes effect within
 * this delay (or at once with `forgetProxyCaches`).
 */
export const ADMISSION_CACHE_MS = 5000;

interface Caches {
  services: LRUCache<string, { def: ServiceDef | null }>;
  keys: LRUCache<string, { key: AccessKey | null }>;
}

/** One pair of caches per store (tests open several stores in one process). */
const cachesByDb = new WeakMap<Db, Caches>();

function cachesOf(db: Db): Caches {
  let c = cachesByDb.get(db);
  if (!c) {
    // fetchMethod makes concurrent misses for one id share one query (a burst on a cold tile layer).
    // Unknown ids and secrets are cached too, bounded by `max`, so a flood of made-up ones costs little.
    c = {
      services: new LRUCache({ max: 1000, ttl: ADMISSION_CACHE_MS, fetchMethod: async (id) => ({ def: await getService(db, id) }) }),
      // Looked up by the secret's SHA-256, so plain secrets are not kept as cache keys.
      keys: new LRUCache({ max: 10_000, ttl: ADMISSION_CACHE_MS, fetchMethod: async (_hash, _old, { context }) => ({ key: await findAccessKey(db, context as string) }) }),
    };
    cachesByDb.set(db, c);
  }
  return c;
}

const forgetListeners = new Set<(db: Db) => void>();

/** Drops the cached service definitions and keys of a store (after an admin change in this process). */
export function forgetProxyCaches(db: Db): void {
  cachesByDb.delete(db);
  for (const listener of forgetListeners) listener(db);
}

/** Calls `listener` after every forgetProxyCaches (the front processes drop their tiles); returns the unsubscribe. */
export function onForgetProxyCaches(listener: (db: Db) => void): () => void {
  forgetListeners.add(listener);
  return () => forgetListeners.delete(listener);
}

async function cachedService(db: Db, id: string): Promise<ServiceDef | null> {
  return (await cachesOf(db).services.fetch(id))?.def ?? null;
}

/**
 * The key of a secret. Constant-time comparison is not needed: the store is searched by the secret's
 * SHA-256, so timing can at most reveal how much of a hash matches, which says nothing about the secret.
 */
async function cachedKey(db: Db, secret: string): Promise<AccessKey | null> {
  const hash = createHash('sha256').update(secret).digest('hex');
  return (await cachesOf(db).keys.fetch(hash, { context: secret }))?.key ?? null;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A secret a request carries: where it came (`via`), and how the error messages name that (`from`). */
export interface Credentials {
  secret: string;
  via: 'header' | 'query' | 'basic';
  from: string;
}

/** The secret a request carries, and where it was found. */
export function credentialsOf(req: { headers: IncomingHttpHeaders; query: URLSearchParams }): Credentials | null {
  const header = first(req.headers[KEY_HEADER])?.trim();
  if (header) return { secret: header, via: 'header', from: 'the X-Moisson-Key header' };
  for (const [name, value] of req.query) {
    if (name.toLowerCase() === KEY_PARAM && value.trim()) return { secret: value.trim(), via: 'query', from: 'the key parameter' };
  }
  const auth = first(req.headers.authorization)?.trim() ?? '';
  const m = /^basic\s+([A-Za-z0-9+/=_-]+)$/i.exec(auth);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // RFC 7617: user-id ":" password; the user name is free, the password is the key.
  const secret = colon >= 0 ? decoded.slice(colon + 1) : '';
  return { secret, via: 'basic', from: 'HTTP Basic credentials' };
}

/**
 * The secret to write into the hub URLs of the documents answered to an admitted request (capabilities, feeds):
 * the key it was admitted with, when that came as the `key` query parameter. Web maps, which cannot set headers,
 * follow those URLs as written; clients that sent a header or Basic credentials send them again.
 */
export function keyToCarry(admitted: Admitted, req: { headers: IncomingHttpHeaders; query: URLSearchParams }): string | undefined {
  if (!admitted.key) return undefined;
  const creds = credentialsOf(req);
  return creds?.via === 'query' ? creds.secret : undefined;
}

/** The query without any `key` parameter, whatever its case: a key never goes upstream. */
export function stripKeyParam(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of q) if (name.toLowerCase() !== KEY_PARAM) out.append(name, value);
  return out;
}

function challenge(service: ServiceDef, message: string): HubError {
  return new HubError('unauthorized', message, {
    headers: { 'www-authenticate': `Basic realm="moisson ${service.id}"` },
    details: { service: service.id },
  });
}

/** Checks the credentials of a restricted service; returns its key. */
async function authorise(db: Db, service: ServiceDef, req: { headers: IncomingHttpHeaders; query: URLSearchParams }): Promise<AccessKey> {
  const creds = credentialsOf(req);
  if (!creds) {
    throw challenge(service, `Service "${service.id}" is restricted: send an access key in the X-Moisson-Key header, `
      + 'the key query parameter, or as the password of HTTP Basic credentials.');
  }
  const key = creds.secret ? await cachedKey(db, creds.secret) : null;
  if (!key) throw challenge(service, `The access key in ${creds.from} is not known to this hub.`);
  if (key.revokedAt) throw challenge(service, `The access key in ${creds.from} (${key.id}) was revoked on ${key.revokedAt}.`);
  if (key.services && !key.services.includes(service.id)) {
    throw new HubError('forbidden', `The access key ${key.id} is not valid for service "${service.id}".`, { details: { service: service.id, key: key.id } });
  }
  return key;
}

/** On a public service a valid key is optional; it only attributes the usage. A wrong one is ignored. */
async function optionalKey(db: Db, service: ServiceDef, req: { headers: IncomingHttpHeaders; query: URLSearchParams }): Promise<AccessKey | null> {
  const creds = credentialsOf(req);
  if (!creds?.secret) return null;
  const key = await cachedKey(db, creds.secret);
  return key && !key.revokedAt && (!key.services || key.services.includes(service.id)) ? key : null;
}

/**
 * Admission without waiting, for hot tiles: the definition of an enabled public service of one of `protocols`
 * that is already in the cache, for a request without credentials (a key only attributes usage there, which
 * `admit` does). Undefined whenever `admit` would have to look anything up, or could say no.
 */
export function admitCached(deps: ProxyDeps, serviceId: string, protocols: ServiceProtocol[], headers: IncomingHttpHeaders): ServiceDef | undefined {
  const service = cachesOf(deps.db).services.get(serviceId)?.def;
  if (!service || !service.enabled || service.access !== 'public' || !protocols.includes(service.protocol)) return undefined;
  if (hasCredentials(headers)) return undefined;
  return service;
}

/**
 * Admits a request to a service. 404 (`service_not_found`) for an unknown or disabled service or one whose
 * protocol the route does not serve; on a restricted service 401 (missing, unknown or revoked credentials,
 * with `WWW-Authenticate: Basic realm="moisson <id>"` in the error's headers) or 403 (key not valid for it).
 */
export async function admit(
  deps: ProxyDeps, serviceId: string, protocols: ServiceProtocol[],
  req: { headers: IncomingHttpHeaders; query: URLSearchParams },
): Promise<Admitted> {
  const service = /^[a-z0-9][a-z0-9_-]{0,62}$/.test(serviceId) ? await cachedService(deps.db, serviceId) : null;
  if (!service || !service.enabled) {
    throw new HubError('service_not_found', `No service "${serviceId}" is proxied by this hub.`, { locator: serviceId });
  }
  if (!protocols.includes(service.protocol)) {
    throw new HubError('service_not_found',
      `Service "${serviceId}" is a ${service.protocol} service; this path serves ${protocols.join(', ')} services.`, { locator: serviceId });
  }
  const key = service.access === 'restricted' ? await authorise(deps.db, service, req) : await optionalKey(deps.db, service, req);
  return { service, key, upstream: upstreamFor(service, { baseUrl: deps.baseUrl }) };
}
