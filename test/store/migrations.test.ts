import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { checkMigrations, migrate, migrations, MigrationError, type Migration } from '../../src/store/migrations.ts';
import { backends, useStore } from '../helpers/db.ts';

const known: Migration[] = [
  { version: 1, name: 'initial', sql: '' },
  { version: 2, name: 'leases', sql: '' },
  { version: 3, name: 'search', sql: '' },
];

describe('checkMigrations', () => {
  it('accepts a database behind the code or level with it', () => {
    expect(() => checkMigrations([], known)).not.toThrow();
    expect(() => checkMigrations([{ version: 1, name: 'initial' }], known)).not.toThrow();
  });

  it('refuses a database migrated by a newer release, naming both versions', () => {
    const applied = [1, 2, 3, 4].map((v) => ({ version: v, name: known[v - 1]?.name ?? 'future' }));
    expect(() => checkMigrations(applied, known)).toThrow(/schema is at version 4 .*only knows up to version 3/);
  });

  it('refuses a gap in the applied versions', () => {
    expect(() => checkMigrations([{ version: 1, name: 'initial' }, { version: 3, name: 'search' }], known)).toThrow(
      /gap: version 2 is missing/,
    );
  });

  it('refuses an applied version whose name differs from the code', () => {
    expect(() => checkMigrations([{ version: 1, name: 'init' }], known)).toThrow(/named "init" .* is "initial"/);
  });
});

describe.each(backends)('migrations on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('has applied every known migration with its name, and created the tables', async () => {
    const r = await store.db.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(r.rows.map(({ version, name }) => ({ version, name }))).toEqual(
      migrations.map(({ version, name }) => ({ version, name })),
    );
    expect(r.rows[0].applied_at).toBeInstanceOf(Date);
    const tables = await store.db.query<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
    );
    expect(tables.rows.map((t) => t.tablename)).toEqual([
      'access_keys', 'catalogue', 'catalogue_boxes', 'catalogue_state',
      'harvest_jobs', 'harvest_runs', 'record_history', 'record_identity', 'records', 'run_issues', 'schema_migrations',
      'search_boxes', 'search_completions', 'search_docs', 'search_lexicon', 'search_outbox', 'service_usage', 'services', 'sources',
    ]);
  });

  it('stores the big columns with lz4 where the server has it, else records\' uncompressed (migration 3)', async () => {
    const r = await store.db.query<{ relname: string; attname: string; attstorage: string; attcompression: string }>(
      `SELECT c.relname, a.attname, a.attstorage, a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ('records', 'record_history')
         AND a.attname IN ('original', 'record', 'previous_original', 'previous_record')
       ORDER BY c.relname, a.attname`,
    );
    const lz4 = (await store.db.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) AS ok`,
    )).rows[0].ok;
    // Debian's PostgreSQL has lz4; PGlite has not.
    expect(lz4).toBe(backend.name === 'pg');
    const columns = r.rows.map((a) => `${a.relname}.${a.attname}=${a.attstorage}${a.attcompression || '-'}`);
    expect(columns).toEqual(lz4
      ? ['record_history.previous_original=xl', 'record_history.previous_record=xl', 'records.original=xl', 'records.record=xl']
      : ['record_history.previous_original=x-', 'record_history.previous_record=x-', 'records.original=e-', 'records.record=e-']);
  });

  it('applies nothing when migrated again', async () => {
    expect(await migrate(store.db)).toEqual([]);
    const r = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    expect(r.rows[0].n).toBe(migrations.length);
  });

  it('applies a new migration in order and records it', async () => {
    const next: Migration = { version: migrations.length + 1, name: 'probe', sql: 'CREATE TABLE probe (x int); CREATE INDEX probe_x ON probe (x);' };
    try {
      expect(await migrate(store.db, [...migrations, next])).toEqual([next.version]);
      expect((await store.db.query('SELECT * FROM probe')).rowCount).toBe(0);
    } finally {
      await store.db.exec(`DROP TABLE IF EXISTS probe; DELETE FROM schema_migrations WHERE version = ${next.version};`);
    }
  });

  it('rolls a failing migration back entirely', async () => {
    const next: Migration = { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE probe (x int); SELECT * FROM nowhere;' };
    await expect(migrate(store.db, [...migrations, next])).rejects.toThrow(/nowhere/);
    const probe = await store.db.query(`SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'probe'`);
    expect(probe.rowCount).toBe(0);
    expect(await migrate(store.db)).toEqual([]);
  });

  it('refuses to start on a database with a version newer than the code knows', async () => {
    const future = migrations.length + 1;
    await store.db.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, 'from-the-future')`, [future]);
    try {
      const err = await migrate(store.db).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(`schema is at version ${future} (from-the-future)`);
      if (backend.name === 'pg') {
        // openStore itself refuses, and closes what it opened.
        await expect(openStore(store.options)).rejects.toThrow(MigrationError);
      }
    } finally {
      await store.db.query('DELETE FROM schema_migrations WHERE version = $1', [future]);
    }
  });

  // Only pg can open the same schema twice; an in-memory PGlite cannot be re-opened, so it has no such case.
  if (backend.name === 'pg') it('re-opens an existing schema without re-applying anything', async () => {
    const again = await openStore(store.options);
    try {
      const r = await again.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
      expect(r.rows[0].n).toBe(migrations.length);
    } finally {
      await again.close();
    }
  });
});
