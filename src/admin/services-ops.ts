/**
 * Administration of the proxied services, their access keys and their usage statistics, on a store. The admin
 * API and the CLI (when it owns the store) both call these; src/admin/client.ts implements the same
 * operations over a running hub's admin API.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HubError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import {
  createAccessKey, deleteService, getService, listAccessKeys, listServices, putService, revokeAccessKey, usageOf,
  type AccessKey, type ServiceDef, type UsageRow,
} from '../store/services.ts';
import {
  InvalidServiceError, keepStoredHeaders, loadSeedServices, parseService, type ServiceProblem,
} from '../proxy/services-def.ts';
import { forgetProxyCaches } from '../proxy/gate.ts';

export interface SeedImport {
  created: string[];
  updated: string[];
  kept: string[];
}

export interface ServiceOps {
  addService(input: unknown): Promise<{ status: 'created' | 'updated'; service: ServiceDef }>;
  listServices(): Promise<ServiceDef[]>;
  /** A service with its usage of the last 30 days. */
  showService(id: string): Promise<{ service: ServiceDef; usage: UsageRow[] }>;
  removeService(id: string): Promise<void>;
  /** Creates a key; its secret is in this answer only. `services` null: every restricted service. */
  addKey(input: unknown): Promise<{ key: AccessKey; secret: string }>;
  listKeys(): Promise<AccessKey[]>;
  revokeKey(id: string): Promise<void>;
  usage(q?: { service?: string; since?: string }): Promise<UsageRow[]>;
}

export interface ServiceOpsHooks {
  /** Adds the counters still in memory to the store before usage is read (the hub's usage recorder). */
  flushUsage?: () => Promise<void>;
}

function asServiceError(err: unknown): never {
  if (err instanceof InvalidServiceError) {
    throw new HubError('invalid_service', `Invalid service definition: ${err.message}`, { details: err.problems });
  }
  throw err;
}

async function mustGetService(db: Db, id: string): Promise<ServiceDef> {
  const service = await getService(db, id);
  if (!service) throw new HubError('service_not_found', `No service "${id}". List them with "moisson services list".`, { locator: 'service' });
  return service;
}

/** A YYYY-MM-DD day that exists, or a clear error naming the parameter. */
export function checkDay(text: string, locator: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(`${text}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new HubError('invalid_parameter', `${locator} must be a day as YYYY-MM-DD, got "${text}".`, { locator });
  }
  return text;
}

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

/** Checks a key request: `{name, services?}` with services null/absent (all restricted) or known ids. */
async function parseKeyInput(db: Db, input: unknown): Promise<{ name: string; services: string[] | null }> {
  const body = (input ?? {}) as { name?: unknown; services?: unknown };
  if (typeof body !== 'object' || Array.isArray(body)) throw new HubError('invalid_body', 'A key is {"name": "…", "services": ["id", …] or null}.');
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!name || name.length > 200) throw new HubError('invalid_parameter', 'A key needs a name of 1 to 200 characters (who or what uses it).', { locator: 'name' });
  if (body.services === undefined || body.services === null) return { name, services: null };
  if (!Array.isArray(body.services) || body.services.length === 0 || body.services.some((s) => typeof s !== 'string')) {
    throw new HubError('invalid_parameter', 'services must be a non-empty list of service ids, or null for every restricted service.', { locator: 'services' });
  }
  const known = new Set((await listServices(db)).map((s) => s.id));
  const unknown = (body.services as string[]).filter((s) => !known.has(s));
  if (unknown.length) {
    throw new HubError('service_not_found', `No service ${unknown.map((s) => `"${s}"`).join(', ')}. List them with "moisson services list".`, { locator: 'services' });
  }
  return { name, services: [...new Set(body.services as string[])] };
}

/** The service operations, run directly on a store. */
export function localServiceOps(db: Db, hooks: ServiceOpsHooks = {}): ServiceOps {
  const usage = async (q: { service?: string; since?: string } = {}) => {
    if (q.since !== undefined) checkDay(q.since, 'since');
    await hooks.flushUsage?.();
    return usageOf(db, q);
  };
  return {
    async addService(input) {
      // Read and written in one transaction, the stored row locked: a concurrent PUT cannot slip its header values
      // in between, to be overwritten by the ones this one read.
      const { status, service } = await db.tx(async (t) => {
        let service: ServiceDef;
        try {
          const parsed = parseService(input);
          // A definition read through the admin API carries '***' for each upstream header: those keep their values.
          service = keepStoredHeaders(parsed, await getService(t, parsed.id, { lock: true }));
        } catch (err) {
          asServiceError(err);
        }
        return { status: await putService(t, service), service };
      });
      // The proxy keeps definitions and keys a few seconds (gate.ts): a change made here applies at once here.
      forgetProxyCaches(db);
      return { status, service };
    },
    listServices: () => listServices(db),
    async showService(id) {
      const service = await mustGetService(db, id);
      return { service, usage: await usage({ service: id, since: daysAgo(30) }) };
    },
    async removeService(id) {
      if (!(await deleteService(db, id))) await mustGetService(db, id);
      forgetProxyCaches(db);
    },
    async addKey(input) {
      const { name, services } = await parseKeyInput(db, input);
      return createAccessKey(db, name, services);
    },
    listKeys: () => listAccessKeys(db),
    async revokeKey(id) {
      if (!(await revokeAccessKey(db, id))) {
        throw new HubError('key_not_found', `No access key "${id}". List them with "moisson keys list".`, { locator: 'key' });
      }
      forgetProxyCaches(db);
    },
    usage,
  };
}

/** Validates seeds/services.json (a seeds folder without one has no services); invalid ones throw `invalid_service`. */
export function readSeedServices(dir: string): ServiceDef[] {
  if (!existsSync(path.join(dir, 'services.json'))) return [];
  try {
    return loadSeedServices(dir);
  } catch (err) {
    asServiceError(err);
  }
}

/** Stores validated seed services; with `keepExisting`, services already in the store are left as admins set them. */
export async function storeSeedServices(db: Db, defs: ServiceDef[], opts: { keepExisting?: boolean } = {}): Promise<SeedImport> {
  // One transaction, each stored row read locked: as for a PUT, no value written meanwhile is overwritten.
  return db.tx((t) => storeSeedServicesIn(t, defs, opts));
}

async function storeSeedServicesIn(db: Db, defs: ServiceDef[], opts: { keepExisting?: boolean }): Promise<SeedImport> {
  const result: SeedImport = { created: [], updated: [], kept: [] };
  const toStore: ServiceDef[] = [];
  const problems: ServiceProblem[] = [];
  // Seeds take the admin input's path: '***' keeps a stored header value. Checked before anything is written.
  // readSeedServices returns them in file order, all valid: the index is the one in the file.
  for (const [i, def] of defs.entries()) {
    const stored = await getService(db, def.id, { lock: true });
    if (opts.keepExisting && stored) result.kept.push(def.id);
    else {
      try {
        toStore.push(keepStoredHeaders(def, stored, { prefix: `services.json#services[${i}].` }));
      } catch (err) {
        if (!(err instanceof InvalidServiceError)) throw err;
        problems.push(...err.problems);
      }
    }
  }
  if (problems.length) asServiceError(new InvalidServiceError(problems));
  for (const def of toStore) result[(await putService(db, def)) === 'created' ? 'created' : 'updated'].push(def.id);
  return result;
}
