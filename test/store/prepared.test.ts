/**
 * QueryOptions.prepare: a named statement per text (pg's named statements; on PGlite, src/store/adapters/
 * pglite-prepared.ts). Same answers as unprepared queries, errors that leave the store usable, a table changing
 * shape under a kept statement, and (PGlite) no statement running inside another caller's open transaction.
 */
import { describe, expect, it } from 'vitest';
import { backends, useStore } from '../helpers/db.ts';

describe.each(backends)('prepared statements on $name', (backend) => {
  const store = useStore(backend, import.meta.url, { truncate: false });

  it('answer as the same query unprepared, for text, integer, bytea, array, json and null parameters', async () => {
    const text = `SELECT $1::text AS t, $2::int + 1 AS n, $3::bytea AS b, $4::text[] AS a, $5::jsonb AS j, $6::text IS NULL AS nothing,
      now() IS NOT NULL AS clock`;
    for (const values of [
      ['é&<x>', 41, Buffer.from([0, 1, 2, 255]), ['a', 'b,c', '"q"'], { k: [1, 'ü'] }, null],
      ['', -1, Buffer.alloc(0), [], [], 'x'],
    ]) {
      const plain = await store.db.query(text, values);
      // Twice: the second run binds the kept statement.
      for (let i = 0; i < 2; i++) {
        const prepared = await store.db.query(text, values, { prepare: true });
        expect(prepared.rows).toEqual(plain.rows);
        expect(Buffer.isBuffer((prepared.rows[0] as { b: unknown }).b)).toBe(true);
      }
    }
  });

  it('keep working after a statement fails, and report what PostgreSQL said', async () => {
    const text = 'SELECT 10 / $1::int AS q';
    expect((await store.db.query<{ q: number }>(text, [2], { prepare: true })).rows).toEqual([{ q: 5 }]);
    await expect(store.db.query(text, [0], { prepare: true })).rejects.toMatchObject({ code: '22012', message: expect.stringMatching(/division by zero/) });
    expect((await store.db.query<{ q: number }>(text, [5], { prepare: true })).rows).toEqual([{ q: 2 }]);
    // A text that does not parse is not kept: asked again, it fails the same way.
    for (let i = 0; i < 2; i++) await expect(store.db.query('SELEC 1', [], { prepare: true })).rejects.toMatchObject({ code: '42601' });
    expect((await store.db.query<{ one: number }>('SELECT 1 AS one', [], { prepare: true })).rows).toEqual([{ one: 1 }]);
  });

  it('follow a table that changes shape under the kept statement', async () => {
    await store.db.exec('DROP TABLE IF EXISTS prepared_shape; CREATE TABLE prepared_shape (id int); INSERT INTO prepared_shape VALUES (1)');
    const text = 'SELECT * FROM prepared_shape WHERE id >= $1::int';
    expect((await store.db.query(text, [0], { prepare: true })).rows).toEqual([{ id: 1 }]);
    await store.db.exec(`ALTER TABLE prepared_shape ADD COLUMN label text DEFAULT 'x'`);
    expect((await store.db.query(text, [0], { prepare: true })).rows).toEqual([{ id: 1, label: 'x' }]);
    await store.db.exec('DROP TABLE prepared_shape');
  });

  it('run unprepared past the number of texts kept, with the same answers', async () => {
    for (let k = 0; k < 300; k++) {
      const r = await store.db.query<{ v: number }>(`SELECT $1::int + ${k} AS v`, [1], { prepare: true });
      expect(r.rows).toEqual([{ v: k + 1 }]);
    }
  });

  it('wait for another caller\'s open transaction instead of running inside it', async () => {
    await store.db.exec('DROP TABLE IF EXISTS prepared_tx; CREATE TABLE prepared_tx (id int)');
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let inserted!: () => void;
    const insertedNow = new Promise<void>((resolve) => { inserted = resolve; });
    const tx = store.db.tx(async (t) => {
      await t.query('INSERT INTO prepared_tx VALUES (1)');
      inserted();
      await held;
      await t.query('INSERT INTO prepared_tx VALUES (2)');
    });
    await insertedNow;
    // Started outside the transaction's async context: never part of it, and never reading its rows half-done.
    const count = store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM prepared_tx WHERE id > $1::int', [0], { prepare: true });
    if (backend.name === 'pglite') {
      // PGlite serializes: the read waits for the transaction and then sees both rows.
      let settled = false;
      void count.then(() => { settled = true; }, () => { settled = true; });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled).toBe(false);
      release();
      await tx;
      expect((await count).rows[0].n).toBe(2);
    } else {
      // PostgreSQL answers on another connection while the transaction is still open, from the committed state:
      // no row yet. Awaited before the release, so a slow new connection cannot make it read after the commit.
      expect((await count).rows[0].n).toBe(0);
      release();
      await tx;
    }
    await store.db.exec('DROP TABLE prepared_tx');
  });
});
