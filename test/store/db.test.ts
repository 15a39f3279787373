import { describe, expect, it } from 'vitest';
import { backends, useStore } from '../helpers/db.ts';
import { openStore } from '../../src/store/db.ts';

describe.each(backends)('Db seam on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  describe('types', () => {
    it('returns bytea as Buffer, timestamptz as Date, jsonb as objects and int8 as numbers', async () => {
      const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x3c, 0xe9, 0x00, 0xff]);
      const at = new Date('2024-03-01T12:34:56.789Z');
      const r = await store.db.query<{ b: Buffer; t: Date; j: unknown; n: number; c: number }>(
        'SELECT $1::bytea AS b, $2::timestamptz AS t, $3::jsonb AS j, 9007199254740991::bigint AS n, count(*) AS c FROM (VALUES (1), (2)) v(x)',
        [bytes, at, JSON.stringify({ a: [1, 'é'], b: null })],
      );
      const row = r.rows[0];
      expect(Buffer.isBuffer(row.b)).toBe(true);
      expect(row.b.equals(bytes)).toBe(true);
      expect(row.t).toBeInstanceOf(Date);
      expect(row.t.getTime()).toBe(at.getTime());
      expect(row.j).toEqual({ a: [1, 'é'], b: null });
      expect(row.n).toBe(Number.MAX_SAFE_INTEGER);
      expect(row.c).toBe(2);
    });

    it('returns int8 beyond 2^53 as a BigInt rather than a rounded number', async () => {
      const r = await store.db.query<{ n: unknown }>('SELECT 9007199254740993::bigint AS n');
      expect(r.rows[0].n).toBe(9007199254740993n);
    });

    it('reports rowCount for selects and for writes', async () => {
      await store.db.query(`INSERT INTO sources (id, type, url) VALUES ('a', 'csw', 'u'), ('b', 'csw', 'u')`);
      expect((await store.db.query('SELECT id FROM sources')).rowCount).toBe(2);
      expect((await store.db.query(`UPDATE sources SET title = 't'`)).rowCount).toBe(2);
      expect((await store.db.query(`DELETE FROM sources WHERE id = 'zz'`)).rowCount).toBe(0);
    });
  });

  describe('transactions', () => {
    const countSources = async () => (await store.db.query<{ n: number }>('SELECT count(*) AS n FROM sources')).rows[0].n;
    const insert = (id: string) => `INSERT INTO sources (id, type, url) VALUES ('${id}', 'csw', 'u')`;

    it('commits when the callback resolves', async () => {
      const out = await store.db.tx(async (t) => {
        await t.query(insert('a'));
        return 42;
      });
      expect(out).toBe(42);
      expect(await countSources()).toBe(1);
    });

    it('rolls everything back when the callback throws', async () => {
      await expect(
        store.db.tx(async (t) => {
          await t.query(insert('a'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await countSources()).toBe(0);
    });

    it('reuses the outer transaction for nested tx, so an inner write rolls back with the outer one', async () => {
      await expect(
        store.db.tx(async (t) => {
          await t.tx(async (inner) => inner.query(insert('a')));
          await store.db.tx(async (inner) => inner.query(insert('b'))); // through the root handle too
          expect(await countSources()).toBe(2); // the root Db sees the transaction's writes
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await countSources()).toBe(0);
    });

    it('keeps the store usable after a failed statement in a transaction', async () => {
      await expect(store.db.tx(async (t) => t.query('SELECT * FROM no_such_table'))).rejects.toThrow();
      await store.db.query(insert('a'));
      expect(await countSources()).toBe(1);
    });

    it('refuses a transaction handle used after its transaction ended', async () => {
      const handle = await store.db.tx(async (t) => t);
      await expect(handle.query('SELECT 1')).rejects.toThrow(/already ended/);
    });

    it('runs independent transactions one after the other without mixing them', async () => {
      const results = await Promise.allSettled([
        store.db.tx(async (t) => {
          await t.query(insert('a'));
          throw new Error('first fails');
        }),
        store.db.tx(async (t) => t.query(insert('b'))),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
      expect((await store.db.query<{ id: string }>('SELECT id FROM sources')).rows).toEqual([{ id: 'b' }]);
    });
    it('joins root queries to their transaction after others ended, and while another ends (pg: they overlap)', async () => {
      const first = store.db.tx(async (t) => {
        await t.query(insert('a'));
        await new Promise((r) => setTimeout(r, 100));
      });
      // On PostgreSQL this one starts at once and sees the first end; on PGlite it starts after the first ended.
      const second = store.db.tx(async () => {
        await first;
        await store.db.query(insert('b')); // the root handle: must belong to this transaction
        throw new Error('second fails');
      });
      await first;
      await expect(second).rejects.toThrow('second fails');
      expect((await store.db.query<{ id: string }>('SELECT id FROM sources')).rows).toEqual([{ id: 'a' }]);
    });
  });

  describe('prepared queries', () => {
    it('gives the same rows prepared or not, and on PostgreSQL keeps the statement on the connection', async () => {
      await store.db.query(`INSERT INTO sources (id, type, url) VALUES ('a', 'csw', 'u'), ('b', 'csw', 'v')`);
      const text = 'SELECT id, url FROM sources WHERE url = $1 ORDER BY id';
      await store.db.tx(async (t) => {
        for (const url of ['u', 'v', 'w']) {
          expect((await t.query(text, [url], { prepare: true })).rows).toEqual((await t.query(text, [url])).rows);
        }
        if (backend.name !== 'pg') return;
        // One connection in a transaction: its prepared statements are there to see.
        const statements = await t.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
        expect(statements.rows.map((r) => r.statement)).toContain(text);
      });
    });
  });

  it.runIf(backend.name === 'pg')('runs at most readConcurrency catalogue reads at once on PostgreSQL, other queries beside them', async () => {
    const db = await openStore({ ...backend.options('db-read-lane'), readConcurrency: 2 });
    try {
      // Each probe lasts 0.3 s and counts the probes of its kind running when it looks (itself included).
      const probe = (tag: string) => `SELECT pg_sleep(0.15) AS a, (SELECT count(*)::int FROM pg_stat_activity
        WHERE state = 'active' AND query LIKE '%probe-${tag}%') AS n, pg_sleep(0.15) AS b -- probe-${tag}`;
      const most = async (tag: string, read: boolean) => Math.max(...(await Promise.all(Array.from({ length: 6 },
        () => db.query<{ n: number }>(probe(tag), [], { read })))).map((r) => r.rows[0].n));
      expect(await most('read', true)).toBeLessThanOrEqual(2);
      // The same six, not marked as reads, run together on the pool's connections.
      expect(await most('other', false)).toBeGreaterThan(2);
    } finally {
      await db.query('DROP SCHEMA IF EXISTS ' + (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s + ' CASCADE');
      await db.close();
    }
  });
});
