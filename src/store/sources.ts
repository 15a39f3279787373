/** Harvest sources: what to harvest, how and when. Validation happens before (schemas/, admin, seeds). */
import type { Db } from './db.ts';
import { lastRuns, type RunSummary } from './runs.ts';

export interface SourceDef {
  id: string;
  type: string;
  url: string;
  title?: string;
  enabled: boolean;
  schedule?: string | null;
  options?: Record<string, unknown>;
}

interface SourceRow {
  id: string;
  type: string;
  url: string;
  title: string | null;
  enabled: boolean;
  schedule: string | null;
  options: Record<string, unknown>;
}

function toDef(r: SourceRow): SourceDef {
  const def: SourceDef = { id: r.id, type: r.type, url: r.url, enabled: r.enabled, schedule: r.schedule, options: r.options };
  if (r.title !== null) def.title = r.title;
  return def;
}

/** Creates or replaces a source; its records and runs are kept. */
export async function putSource(db: Db, def: SourceDef): Promise<'created' | 'updated'> {
  // xmax is 0 on a freshly inserted row version and set on one written by ON CONFLICT DO UPDATE.
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO sources (id, type, url, title, enabled, schedule, options)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, url = EXCLUDED.url, title = EXCLUDED.title,
       enabled = EXCLUDED.enabled, schedule = EXCLUDED.schedule, options = EXCLUDED.options, updated_at = now()
     RETURNING (xmax = '0') AS inserted`,
    [def.id, def.type, def.url, def.title ?? null, def.enabled, def.schedule ?? null, JSON.stringify(def.options ?? {})],
  );
  return r.rows[0].inserted ? 'created' : 'updated';
}

export async function getSource(db: Db, id: string): Promise<SourceDef | null> {
  const r = await db.query<SourceRow>(
    'SELECT id, type, url, title, enabled, schedule, options FROM sources WHERE id = $1',
    [id],
  );
  return r.rows[0] ? toDef(r.rows[0]) : null;
}

/** Every source in id order, with its number of visible (not withdrawn) records and its latest run. */
export async function listSources(db: Db): Promise<(SourceDef & { recordCount: number; lastRun?: RunSummary })[]> {
  const r = await db.query<SourceRow & { record_count: number }>(
    `SELECT s.id, s.type, s.url, s.title, s.enabled, s.schedule, s.options,
       (SELECT count(*) FROM records r WHERE r.source_id = s.id AND r.withdrawn_at IS NULL) AS record_count
     FROM sources s ORDER BY s.id`,
  );
  const runs = await lastRuns(db);
  return r.rows.map((row) => {
    const lastRun = runs.get(row.id);
    return { ...toDef(row), recordCount: row.record_count, ...(lastRun ? { lastRun } : {}) };
  });
}

/**
 * Deletes a source with its records, their history and its runs (foreign keys cascade), queueing an outbox
 * 'delete' for each record in the same transaction so the search index drops them too.
 */
export async function deleteSource(db: Db, id: string): Promise<boolean> {
  return db.tx(async (t) => {
    await t.query(
      `INSERT INTO search_outbox (record_id, op) SELECT id, 'delete' FROM records WHERE source_id = $1 ORDER BY id`,
      [id],
    );
    // Records of other sources that share a resource with these: one of them may become the preferred record of
    // its group once these are gone, and the identity rows that tell the indexer so are deleted with them.
    await t.query(
      `INSERT INTO search_outbox (record_id, op)
       SELECT DISTINCT b.record_id, 'upsert' FROM records r JOIN record_identity a ON a.record_id = r.id
       JOIN record_identity b ON b.key = a.key
       JOIN records o ON o.id = b.record_id AND o.withdrawn_at IS NULL AND o.source_id <> $1
       WHERE r.source_id = $1`,
      [id],
    );
    const r = await t.query('DELETE FROM sources WHERE id = $1', [id]);
    return r.rowCount > 0;
  });
}
