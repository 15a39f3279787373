/**
 * Table statistics and dead rows of the search tables. The planner picks between the text (GIN) and box (GiST)
 * indexes, or both, from the tables' statistics; PostgreSQL's autovacuum keeps them fresh on a server, but
 * PGlite runs no background worker, so there the engine vacuums and analyzes its own tables once enough
 * documents have changed since the last time (as autovacuum would: a share of the table, with a floor).
 */
import type { Db } from '../../store/db.ts';
import { LIVE, type Tables } from './tables.ts';

/** Changes before PGlite's tables are vacuumed and analyzed again: this share of the documents, at least FLOOR. */
const SHARE = 0.2;
const FLOOR = 500;

const tablesOf = (t: Tables) => [t.docs, t.boxes, t.lexicon, t.completions];

/**
 * VACUUM (ANALYZE) of each table, one statement each (VACUUM refuses to run inside a transaction, and a
 * multi-statement script is one); where VACUUM cannot run (inside a caller's transaction), ANALYZE alone.
 */
export async function vacuumAnalyze(db: Db, t: Tables): Promise<void> {
  for (const table of tablesOf(t)) {
    try {
      await db.exec(`VACUUM (ANALYZE) ${table}`);
    } catch {
      await db.exec(`ANALYZE ${table}`);
    }
  }
}

export interface Maintenance {
  /** Counts `n` changed documents, and vacuums and analyzes the live tables when enough have changed. */
  changed(n: number): Promise<void>;
}

export function createMaintenance(db: Db): Maintenance {
  let pending = 0;
  let threshold = FLOOR;
  return {
    async changed(n) {
      if (db.kind !== 'pglite') return;
      pending += n;
      if (pending < threshold) return;
      pending = 0;
      try {
        await vacuumAnalyze(db, LIVE);
        const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LIVE.docs}`);
        threshold = Math.max(FLOOR, Math.round(r.rows[0].n * SHARE));
      } catch {
        // The documents are written: stale statistics only cost speed, and the next round tries again.
      }
    },
  };
}
