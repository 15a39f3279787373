/**
 * Proxied services (DESIGN.md §8), the access keys of restricted services and their usage counters.
 * Validation happens before (schemas/service.schema.json through src/proxy/services-def.ts); this module only
 * stores and reads.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';

export type ServiceProtocol = 'wms' | 'wfs' | 'wmts' | 'tms' | 'xyz' | 'atom-download';

export interface TileLayerDef {
  /** layer name in hub URLs */
  id: string;
  title?: string;
  /** upstream path template relative to the service url, with {z} {x} {y} ({-y} = TMS flipped row) */
  template?: string;
  /** default 'GoogleMapsCompatible' (Web Mercator, 256 px) */
  tileMatrixSet?: string;
  /** media type, default 'image/png' */
  format?: string;
  minZoom?: number;
  maxZoom?: number;
}

export interface ServiceDef {
  /** ^[a-z0-9][a-z0-9_-]{0,62}$ */
  id: string;
  protocol: ServiceProtocol;
  /** upstream endpoint (http/https); for xyz and tms the base URL the layer templates are relative to */
  url: string;
  title?: string;
  /** a disabled service answers 404 on every proxy path */
  enabled: boolean;
  access: 'public' | 'restricted';
  politeness: { concurrency: number; rate?: number; userAgent?: string; timeoutMs: number; maxBytes: number };
  cache: { tiles: boolean; maxAgeSeconds: number; staleIfError: boolean; seeding: boolean };
  attribution?: { title: string; url?: string };
  layers?: TileLayerDef[];
  /** headers the hub sends upstream (e.g. an upstream API key); never the client's. Secrets: shown through redactService */
  upstreamHeaders?: Record<string, string>;
  options?: Record<string, unknown>;
}

/** What the jsonb `definition` column holds: everything but the columns of its own. */
type Definition = Pick<ServiceDef, 'politeness' | 'cache' | 'attribution' | 'layers' | 'upstreamHeaders' | 'options'>;

interface ServiceRow {
  id: string;
  protocol: ServiceProtocol;
  url: string;
  title: string | null;
  enabled: boolean;
  access: 'public' | 'restricted';
  definition: Definition;
}

const serviceColumns = 'id, protocol, url, title, enabled, access, definition';

function toService(r: ServiceRow): ServiceDef {
  const d = r.definition;
  const def: ServiceDef = {
    id: r.id, protocol: r.protocol, url: r.url, enabled: r.enabled, access: r.access,
    politeness: d.politeness, cache: d.cache,
  };
  if (r.title !== null) def.title = r.title;
  for (const k of ['attribution', 'layers', 'upstreamHeaders', 'options'] as const) {
    if (d[k] !== undefined) (def as unknown as Record<string, unknown>)[k] = d[k];
  }
  return def;
}

function definitionOf(def: ServiceDef): Definition {
  const { politeness, cache, attribution, layers, upstreamHeaders, options } = def;
  return { politeness, cache, attribution, layers, upstreamHeaders, options };
}

/** Creates or replaces a service definition; its usage rows are kept. */
export async function putService(db: Db, def: ServiceDef): Promise<'created' | 'updated'> {
  // xmax is 0 on a freshly inserted row version and set on one written by ON CONFLICT DO UPDATE.
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO services (id, protocol, url, title, enabled, access, definition)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET protocol = EXCLUDED.protocol, url = EXCLUDED.url, title = EXCLUDED.title,
       enabled = EXCLUDED.enabled, access = EXCLUDED.access, definition = EXCLUDED.definition, updated_at = now()
     RETURNING (xmax = '0') AS inserted`,
    [def.id, def.protocol, def.url, def.title ?? null, def.enabled, def.access, JSON.stringify(definitionOf(def))],
  );
  return r.rows[0].inserted ? 'created' : 'updated';
}

/** A service by id; `lock`: FOR UPDATE, in a transaction that rewrites it from what it read (a PUT keeping secrets). */
export async function getService(db: Db, id: string, opts: { lock?: boolean } = {}): Promise<ServiceDef | null> {
  const r = await db.query<ServiceRow>(`SELECT ${serviceColumns} FROM services WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] ? toService(r.rows[0]) : null;
}

/** Every service in id order. */
export async function listServices(db: Db): Promise<ServiceDef[]> {
  const r = await db.query<ServiceRow>(`SELECT ${serviceColumns} FROM services ORDER BY id`);
  return r.rows.map(toService);
}

/** Deletes a service; its usage rows stay (statistics are not lost) and so do the keys that name it. */
export async function deleteService(db: Db, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM services WHERE id = $1', [id]);
  return r.rowCount > 0;
}

// ---- access keys ----------------------------------------------------------------------------------------

export interface AccessKey {
  id: string;
  name: string;
  /** null = every restricted service */
  services: string[] | null;
  createdAt: string;
  revokedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  services: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
}

const keyColumns = 'id, name, services, created_at, revoked_at';

function toKey(r: KeyRow): AccessKey {
  return {
    id: r.id, name: r.name, services: r.services,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

/** A key's secret is 256 random bits: SHA-256 is enough, a slow password hash would only slow every tile. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

const SECRET_PATTERN = /^mk_[A-Za-z0-9_-]{43}$/;

/** Creates a key; the secret is returned here once and never stored. */
export async function createAccessKey(db: Db, name: string, services: string[] | null): Promise<{ key: AccessKey; secret: string }> {
  const secret = `mk_${randomBytes(32).toString('base64url')}`;
  // 32 bits of id: retry on the rare collision rather than lengthen every id shown to admins.
  for (let attempt = 0; ; attempt++) {
    const id = `k_${randomBytes(4).toString('hex')}`;
    const r = await db.query<KeyRow>(
      `INSERT INTO access_keys (id, name, hash, services) VALUES ($1, $2, $3, $4::text[])
       ON CONFLICT (id) DO NOTHING RETURNING ${keyColumns}`,
      [id, name, hashSecret(secret), services],
    );
    if (r.rows[0]) return { key: toKey(r.rows[0]), secret };
    if (attempt >= 5) throw new Error('Could not draw an unused access key id');
  }
}

/** The key whose secret this is (revoked ones included: the caller tells "revoked" from "unknown"). */
export async function findAccessKey(db: Db, secret: string): Promise<AccessKey | null> {
  if (!SECRET_PATTERN.test(secret)) return null;
  const r = await db.query<KeyRow>(`SELECT ${keyColumns} FROM access_keys WHERE hash = $1`, [hashSecret(secret)]);
  return r.rows[0] ? toKey(r.rows[0]) : null;
}

/** Every key, oldest first (never their secrets: only hashes are stored). */
export async function listAccessKeys(db: Db): Promise<AccessKey[]> {
  const r = await db.query<KeyRow>(`SELECT ${keyColumns} FROM access_keys ORDER BY created_at, id`);
  return r.rows.map(toKey);
}

/** Revokes a key (kept, so its usage stays attributed); true when it exists, revoked now or before. */
export async function revokeAccessKey(db: Db, id: string): Promise<boolean> {
  const r = await db.query(
    'UPDATE access_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1',
    [id],
  );
  return r.rowCount > 0;
}

// ---- usage ----------------------------------------------------------------------------------------------

export interface UsageRow {
  /** YYYY-MM-DD (UTC) */
  day: string;
  service: string;
  /** '' when the request was not about one layer */
  layer: string;
  /** access key id, '' for anonymous requests */
  key: string;
  status: number;
  requests: number;
  bytes: number;
}

/** Sums rows with the same day, service, layer, key and status: one INSERT may not touch a row twice. */
function aggregate(rows: UsageRow[]): UsageRow[] {
  const sums = new Map<string, UsageRow>();
  for (const row of rows) {
    const k = JSON.stringify([row.day, row.service, row.layer, row.key, row.status]);
    const sum = sums.get(k);
    if (sum) {
      sum.requests += row.requests;
      sum.bytes += row.bytes;
    } else sums.set(k, { ...row });
  }
  return [...sums.values()];
}

/** Adds the counters to the stored ones (upsert-add), in one statement. */
export async function addUsage(db: Db, rows: UsageRow[]): Promise<void> {
  const sums = aggregate(rows);
  if (sums.length === 0) return;
  await db.query(
    `INSERT INTO service_usage AS u (day, service_id, layer, key_id, status, requests, bytes)
     SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[])
     ON CONFLICT (day, service_id, layer, key_id, status)
     DO UPDATE SET requests = u.requests + EXCLUDED.requests, bytes = u.bytes + EXCLUDED.bytes`,
    [sums.map((r) => r.day), sums.map((r) => r.service), sums.map((r) => r.layer), sums.map((r) => r.key),
      sums.map((r) => r.status), sums.map((r) => r.requests), sums.map((r) => r.bytes)],
  );
}

/** Stored counters, optionally of one service and from one day (YYYY-MM-DD, inclusive) on. */
export async function usageOf(db: Db, q: { service?: string; since?: string } = {}): Promise<UsageRow[]> {
  const r = await db.query<UsageRow>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, service_id AS service, layer, key_id AS key, status, requests, bytes
     FROM service_usage
     WHERE ($1::text IS NULL OR service_id = $1) AND ($2::date IS NULL OR day >= $2::date)
     ORDER BY day, service_id, layer, key_id, status`,
    [q.service ?? null, q.since ?? null],
  );
  return r.rows.map((row) => ({ ...row, requests: Number(row.requests), bytes: Number(row.bytes) }));
}
