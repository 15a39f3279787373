/**
 * The embedded database's thread (src/store/adapters/pglite-thread.mjs): statements run beside the main thread's
 * event loop, errors keep PostgreSQL's fields, transactions commit or roll back as a whole, and a process that
 * leaves its store open still ends.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useStore } from '../helpers/db.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the embedded database thread', () => {
  const store = useStore({ name: 'pglite', options: () => ({ dataDir: 'memory://' }) }, import.meta.url, { truncate: false });

  it('leaves the event loop free while a long statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 5);
    const started = performance.now();
    // About a second of work for the database (pg_sleep would not show it: it waits, it does not work).
    await store.db.query('SELECT sum(x) FROM generate_series(1, 3000000) x');
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(100);
    // In the main thread, not a single tick would have run until the statement ended.
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  });

  it('reports PostgreSQL\'s error fields, and goes on', async () => {
    await store.db.exec('CREATE TABLE thread_unique (id int PRIMARY KEY)');
    await store.db.query('INSERT INTO thread_unique VALUES ($1)', [1]);
    await expect(store.db.query('INSERT INTO thread_unique VALUES ($1)', [1])).rejects.toMatchObject({
      code: '23505', constraint: 'thread_unique_pkey', table: 'thread_unique', message: expect.stringMatching(/duplicate key/),
    });
    expect((await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM thread_unique')).rows).toEqual([{ n: 1 }]);
  });

  it('commits a transaction whole, or nothing of it when its work throws', async () => {
    await store.db.exec('CREATE TABLE thread_tx (id int)');
    await store.db.tx(async (t) => {
      await t.query('INSERT INTO thread_tx VALUES (1)');
      await t.query('INSERT INTO thread_tx VALUES (2)');
    });
    await expect(store.db.tx(async (t) => {
      await t.query('INSERT INTO thread_tx VALUES (3)');
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    // A statement that fails inside: the whole transaction goes, and the store is usable.
    await expect(store.db.tx(async (t) => {
      await t.query('INSERT INTO thread_tx VALUES (4)');
      await t.query('SELECT 1 / 0');
    })).rejects.toMatchObject({ code: '22012' });
    expect((await store.db.query<{ id: number }>('SELECT id FROM thread_tx ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('returns bytea as Buffers, whole, in both directions', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    const r = await store.db.query<{ b: Buffer; small: Buffer }>('SELECT $1::bytea AS b, $2::bytea AS small', [bytes, Buffer.from('abc')]);
    expect(Buffer.isBuffer(r.rows[0].b)).toBe(true);
    expect(r.rows[0].b.equals(bytes)).toBe(true);
    expect(r.rows[0].small.toString()).toBe('abc');
  });

  it('does not keep a process alive when its store is left open', async () => {
    const script = `import { openStore } from ${JSON.stringify(path.join(root, 'src/store/db.ts'))};
      const db = await openStore({ dataDir: 'memory://' });
      console.log((await db.query('SELECT 41 + 1 AS n')).rows[0].n);`;
    const started = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe('42');
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
