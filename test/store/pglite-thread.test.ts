/**
 * The embedded database's thread (src/store/adapters/pglite-thread.mjs): statements run beside the main thread's
 * event loop, errors keep PostgreSQL's fields, transactions commit or roll back as a whole, and a process that
 * leaves its store open still ends; a thread that stops is a lost store, and a hub without its store stops.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useStore } from '../helpers/db.ts';
import { freePort } from '../helpers/mapproxy.ts';
import { openStore } from '../../src/store/db.ts';
import { PGLITE_SHARED_BUFFERS_MB, pgliteThreadsForTests } from '../../src/store/adapters/pglite.ts';

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

  it('runs with the shared buffers it is given, 16 MB by default', async () => {
    expect((await store.db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: `${PGLITE_SHARED_BUFFERS_MB}MB` }]);
    const db = await openStore({ dataDir: 'memory://', pgliteSharedBuffersMb: 24 });
    try {
      expect((await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '24MB' }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('settles db.lost when the thread stops, and only then', async () => {
    const closed = await openStore({ dataDir: 'memory://' });
    const before = new Set(pgliteThreadsForTests());
    const db = await openStore({ dataDir: 'memory://' });
    const [thread] = pgliteThreadsForTests().filter((t) => !before.has(t));
    expect(thread).toBeDefined();
    await closed.close();
    await thread.terminate();
    const err = await Promise.race([db.lost, new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    expect(err?.message).toMatch(/the embedded database \(PGlite\) thread has stopped/);
    await expect(db.query('SELECT 1')).rejects.toThrow(/thread has stopped/);
    await db.close();
    // A store closed on purpose is not lost.
    expect(await Promise.race([closed.lost, new Promise<string>((r) => setTimeout(() => r('open'), 200))])).toBe('open');
  }, 60_000);

  it('stops a hub whose database thread stopped, with status 1 and the reason', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'moisson-lost-'));
    const port = await freePort();
    // The real `moisson serve`; once it answers, its database thread is ended from inside.
    const script = `import { pgliteThreadsForTests } from ${JSON.stringify(path.join(root, 'src/store/adapters/pglite.ts'))};
      process.argv = [process.execPath, 'moisson', 'serve'];
      await import(${JSON.stringify(path.join(root, 'src/cli.ts'))});
      for (;;) {
        try { if ((await fetch('http://127.0.0.1:${port}/healthz')).ok) break; } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log('threads', pgliteThreadsForTests().length);
      for (const t of pgliteThreadsForTests()) await t.terminate();
      setTimeout(() => { console.log('still running'); process.exit(3); }, 20000);`;
    try {
      const exit = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: root, timeout: 80_000,
          env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', BASE_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, DATABASE_URL: '', SCHEDULER: 'off', LOG_LEVEL: 'fatal', MEILI_URL: '' },
        }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr }));
      });
      expect(exit.stdout).toContain('threads 1');
      expect(exit.stdout).not.toContain('still running');
      expect(exit.stderr).toMatch(/The store is lost \(the embedded database \(PGlite\) thread has stopped/);
      expect(exit.code).toBe(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
