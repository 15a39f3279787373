/**
 * Hub configuration, read from the environment (DESIGN.md §4) and validated against
 * schemas/config.schema.json; every problem is reported at once with the variable it comes from.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from './schemas.ts';

export interface HubConfig {
  port: number;
  host?: string;
  baseUrl: string;
  dataDir: string;
  databaseUrl?: string;
  /** pg only: catalogue reads at once (StoreOptions.readConcurrency). */
  databaseReadConcurrency?: number;
  /** PGlite only: its shared buffers, in MB (StoreOptions.pgliteSharedBuffersMb). */
  pgliteSharedBuffers?: number;
  /** Front processes for cached tiles (src/http/fronts.ts); 0 or absent: none. */
  frontProcesses?: number;
  /** More descriptors of the listening socket in the hub process (src/http/accept-copies.ts); 0 or absent: none. */
  acceptCopies?: number;
  /** How far the JavaScript heap grows past its live data between full collections (src/heap.ts); 0: V8's own rule. */
  heapGrowingPercent?: number;
  meiliUrl?: string;
  meiliKey?: string;
  adminToken?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  seedsDir: string;
  /** What the hub's services say about it (CSW capabilities, DCAT catalogue); French defaults otherwise. */
  hubTitle?: string;
  hubOrganisation?: string;
  hubContactEmail?: string;
}

/** Folder of the seeds shipped with the hub. */
export const defaultSeedsDir = fileURLToPath(new URL('../seeds/', import.meta.url));

const envNames: Record<string, string> = {
  port: 'PORT', host: 'HOST', baseUrl: 'BASE_URL', dataDir: 'DATA_DIR', databaseUrl: 'DATABASE_URL',
  databaseReadConcurrency: 'DATABASE_READ_CONCURRENCY', pgliteSharedBuffers: 'PGLITE_SHARED_BUFFERS',
  frontProcesses: 'FRONT_PROCESSES', acceptCopies: 'ACCEPT_COPIES', heapGrowingPercent: 'HEAP_GROWING_PERCENT',
  meiliUrl: 'MEILI_URL', meiliKey: 'MEILI_KEY', adminToken: 'ADMIN_TOKEN', logLevel: 'LOG_LEVEL', seedsDir: 'SEEDS_DIR',
  hubTitle: 'HUB_TITLE', hubOrganisation: 'HUB_ORGANISATION', hubContactEmail: 'HUB_CONTACT_EMAIL',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function clean(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** A whole number as a number; anything else as given, for the schema to name what is wrong. */
function integer(v: string | undefined): number | string | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : v;
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const portText = clean(env.PORT) ?? '8080';
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  const raw: Record<string, unknown> = {
    port: Number.isNaN(port) ? portText : port,
    host: clean(env.HOST),
    baseUrl: (clean(env.BASE_URL) ?? `http://localhost:${portText}`).replace(/\/+$/, ''),
    dataDir: path.resolve(clean(env.DATA_DIR) ?? './data'),
    databaseUrl: clean(env.DATABASE_URL),
    databaseReadConcurrency: integer(clean(env.DATABASE_READ_CONCURRENCY)),
    pgliteSharedBuffers: integer(clean(env.PGLITE_SHARED_BUFFERS)),
    frontProcesses: integer(clean(env.FRONT_PROCESSES)),
    acceptCopies: integer(clean(env.ACCEPT_COPIES)),
    heapGrowingPercent: integer(clean(env.HEAP_GROWING_PERCENT)),
    meiliUrl: clean(env.MEILI_URL),
    meiliKey: clean(env.MEILI_KEY),
    adminToken: clean(env.ADMIN_TOKEN),
    logLevel: clean(env.LOG_LEVEL) ?? 'info',
    seedsDir: path.resolve(clean(env.SEEDS_DIR) ?? defaultSeedsDir),
    hubTitle: clean(env.HUB_TITLE),
    hubOrganisation: clean(env.HUB_ORGANISATION),
    hubContactEmail: clean(env.HUB_CONTACT_EMAIL),
  };
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const problems = validate('config', raw).map((p) => {
    const key = p.path.replace(/^\//, '');
    return `${envNames[key] ?? (key || 'environment')}: ${p.message}`;
  });
  if (problems.length) throw new ConfigError(problems);
  return raw as unknown as HubConfig;
}
