/**
 * Numbered migrations, applied in one transaction at start-up and recorded in schema_migrations.
 * The list is append-only: never edit or renumber an applied migration, add the next one instead.
 */
import type { Db } from './db.ts';
import { initial } from './migrations/001-initial.ts';
import { jobsIdentity } from './migrations/002-jobs-identity.ts';
import { storageExternal } from './migrations/003-storage-external.ts';
import { search } from './migrations/004-search.ts';
import { catalogue } from './migrations/005-catalogue.ts';
import { catalogueIso } from './migrations/006-catalogue-iso.ts';
import { services } from './migrations/007-services.ts';
import { catalogueIsoGz } from './migrations/008-catalogue-iso-gz.ts';
import { catalogueIsoDrop } from './migrations/009-catalogue-iso-drop.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'jobs-identity', sql: jobsIdentity },
  { version: 3, name: 'storage-external', sql: storageExternal },
  { version: 4, name: 'search', sql: search },
  { version: 5, name: 'catalogue', sql: catalogue },
  { version: 6, name: 'catalogue-iso', sql: catalogueIso },
  { version: 7, name: 'services', sql: services },
  { version: 8, name: 'catalogue-iso-gz', sql: catalogueIsoGz },
  { version: 9, name: 'catalogue-iso-drop', sql: catalogueIsoDrop },
];

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface AppliedMigration {
  version: number;
  name: string;
}

/** Arbitrary key of the advisory lock that serialises hubs migrating one schema at the same time. */
const MIGRATION_LOCK_KEY = 0x6d6f6973; // "mois"

async function createMigrationsTable(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`);
}

async function lockMigrations(db: Db): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [MIGRATION_LOCK_KEY]);
}

async function selectApplied(db: Db): Promise<AppliedMigration[]> {
  const r = await db.query<AppliedMigration>('SELECT version, name FROM schema_migrations ORDER BY version');
  return r.rows;
}

async function insertApplied(db: Db, m: Migration): Promise<void> {
  await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
}

/** The code's own list must be 1, 2, 3… with distinct names: a programming error otherwise. */
function checkKnown(known: readonly Migration[]): void {
  known.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`Migration list out of order: #${i + 1} has version ${m.version}`);
  });
}

/**
 * Compares what the database has applied with what the code knows; throws a MigrationError on a database
 * newer than the code, a gap in the applied versions, or an applied version whose name differs.
 */
export function checkMigrations(applied: readonly AppliedMigration[], known: readonly Migration[]): void {
  const latest = known.length;
  const newer = applied.filter((a) => a.version > latest);
  if (newer.length > 0) {
    const v = Math.max(...newer.map((a) => a.version));
    throw new MigrationError(
      `The database schema is at version ${v} (${newer.at(-1)!.name}) but this moisson only knows up to ` +
        `version ${latest}: it was migrated by a newer release. Upgrade moisson, or point it at another database.`,
    );
  }
  applied.forEach((a, i) => {
    if (a.version !== i + 1) {
      throw new MigrationError(`schema_migrations has a gap: version ${i + 1} is missing before version ${a.version}.`);
    }
    const expected = known[i].name;
    if (a.name !== expected) {
      throw new MigrationError(
        `schema_migrations version ${a.version} is named "${a.name}" but this moisson's migration ${a.version} ` +
          `is "${expected}": the database was migrated by a different code line.`,
      );
    }
  });
}

/** Applies the pending migrations in one transaction, then checks the result; returns the versions applied. */
export async function migrate(db: Db, known: readonly Migration[] = migrations): Promise<number[]> {
  checkKnown(known);
  return db.tx(async (t) => {
    await lockMigrations(t);
    await createMigrationsTable(t);
    const before = await selectApplied(t);
    checkMigrations(before, known);
    const pending = known.slice(before.length);
    for (const m of pending) {
      await t.exec(m.sql);
      await insertApplied(t, m);
    }
    const after = await selectApplied(t);
    checkMigrations(after, known);
    if (after.length !== known.length) throw new MigrationError('Migrations did not all apply');
    return pending.map((m) => m.version);
  });
}
