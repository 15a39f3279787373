/**
 * A fresh store per test FILE, on every available backend: in-memory PGlite always, and PostgreSQL in a
 * schema of its own when DATABASE_URL is set. Tables are emptied between tests (TRUNCATE … CASCADE) rather
 * than re-created, since a PGlite instance costs seconds to start.
 *
 *   describe.each(backends)('records on $name', (backend) => {
 *     const store = useStore(backend, import.meta.url);
 *     it('…', async () => { await putSource(store.db, …) });
 *   });
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openStore, type Db, type StoreOptions } from '../../src/store/db.ts';

export interface Backend {
  name: 'pglite' | 'pg';
  /** Store options for a test file; `tag` names the pg schema. */
  options(tag: string): StoreOptions;
}

const pglite: Backend = { name: 'pglite', options: () => ({ dataDir: 'memory://' }) };

/** A schema name from the test file's name plus a random suffix, within PostgreSQL's 63 characters. */
export function schemaName(tag: string): string {
  const base = path.basename(tag).replace(/\.test\.ts$|\.ts$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return `t_${base.slice(0, 40)}_${randomBytes(4).toString('hex')}`;
}

function pgBackend(url: string): Backend {
  return { name: 'pg', options: (tag) => ({ databaseUrl: url, schema: schemaName(tag) }) };
}

/** The backends this run can use. */
export const backends: Backend[] = process.env.DATABASE_URL ? [pglite, pgBackend(process.env.DATABASE_URL)] : [pglite];

/** Every table of the store except the migration record, so TRUNCATE keeps the schema's version. */
async function dataTables(db: Db): Promise<string[]> {
  const r = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
  );
  return r.rows.map((t) => t.tablename);
}

export async function truncateAll(db: Db): Promise<void> {
  const tables = await dataTables(db);
  if (tables.length > 0) await db.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
}

/** Drops a test schema on its own connection, so it goes even when the store failed to open. */
async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Opens one store for the enclosing describe block (beforeAll), empties it before each test (unless
 * `truncate: false`: tests then share what a beforeAll put in it), and closes it afterwards; on pg the
 * file's schema is dropped. `fileUrl` is the test's import.meta.url.
 */
export function useStore(
  backend: Backend, fileUrl: string, opts: { truncate?: boolean } = {},
): { readonly db: Db; readonly options: StoreOptions } {
  const options = backend.options(fileURLToPath(fileUrl));
  let db: Db | undefined;
  beforeAll(async () => {
    db = await openStore(options);
  });
  beforeEach(async () => {
    if (opts.truncate !== false) await truncateAll(db!);
  });
  afterAll(async () => {
    await db?.close();
    if (options.databaseUrl && options.schema) await dropSchema(options.databaseUrl, options.schema);
  });
  return {
    get db() {
      if (!db) throw new Error('The store is opened in beforeAll: use it inside tests or hooks');
      return db;
    },
    options,
  };
}
