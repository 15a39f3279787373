/**
 * Identity across sources (DESIGN §6): the record_identity table (one row per normalised resource identifier of
 * a record, keys from src/harvest/identity.ts) and the queries that group visible records sharing a key.
 *
 * A group is a record and the visible records sharing at least one key with it (direct neighbours, not the
 * transitive closure: a chain A–B–C where A and C share nothing is not one resource). Its preferred record is
 * decided by one deterministic rule: source priority (`options.priority`, higher first, default 0), then the
 * most recent metadataDate, then the earliest first_seen, then the smallest record id.
 */
import { identityKeys } from '../harvest/identity.ts';
import type { MdRecord } from '../../mappings/types.ts';
import type { Db } from './db.ts';

/** The ranking columns of a visible record (`r` records, `s` its source). */
const RANKED = `r.id, r.source_id, r.native_id, r.title, r.hierarchy_level, r.first_seen,
  CASE WHEN jsonb_typeof(s.options -> 'priority') = 'number' THEN (s.options ->> 'priority')::numeric ELSE 0 END
    AS priority,
  coalesce(r.record ->> 'metadataDate', '') AS md`;
/** The preference rule as an ORDER BY over RANKED columns; `ranksBefore` below is the same rule, pairwise. */
const PREFERENCE_ORDER = 'priority DESC, md DESC, first_seen, id';
/** True when visible record `o` is preferred to `r` (row comparison: same rule as PREFERENCE_ORDER). */
const ranksBefore = '(o.priority, o.md, r.first_seen, r.id) > (r.priority, r.md, o.first_seen, o.id)';

/**
 * Replaces a record's identity keys; called inside the transaction that writes the record
 * (src/store/records.ts), so the keys never disagree with the stored record. `isNew` skips the delete.
 */
export async function writeIdentity(db: Db, recordId: string, record: Pick<MdRecord, 'resourceIdentifiers'>, isNew: boolean): Promise<void> {
  const keys = identityKeys(record);
  if (!isNew) {
    await db.query('DELETE FROM record_identity WHERE record_id = $1 AND NOT (key = ANY($2::text[]))', [recordId, keys]);
  }
  if (keys.length === 0) return;
  await db.query(
    'INSERT INTO record_identity (record_id, key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
    [recordId, keys],
  );
}

/** A record's identity keys, sorted. */
export async function getIdentityKeys(db: Db, recordId: string): Promise<string[]> {
  const r = await db.query<{ key: string }>('SELECT key FROM record_identity WHERE record_id = $1 ORDER BY key', [recordId]);
  return r.rows.map((row) => row.key);
}

/**
 * Recomputes every record's keys (after a change of the normalisation, or for records stored before
 * migration 2), in keyset batches; returns how many records were visited.
 */
export async function rebuildIdentity(db: Db, batch = 500): Promise<number> {
  let after = '';
  let visited = 0;
  for (;;) {
    const r = await db.query<{ id: string; record: MdRecord }>(
      'SELECT id, record FROM records WHERE id > $1 ORDER BY id LIMIT $2', [after, batch]);
    if (r.rows.length === 0) return visited;
    await db.tx(async (t) => {
      for (const row of r.rows) await writeIdentity(t, row.id, row.record, false);
    });
    visited += r.rows.length;
    after = r.rows.at(-1)!.id;
  }
}

export interface ResourceGroup {
  /** The preferred record of the group (possibly the record asked about). */
  preferred: string;
  /** Every visible record of the group, preferred first, then in preference order. */
  members: { id: string; sourceId: string; nativeId: string }[];
}

/** The group of a visible record; null when the record does not exist or is withdrawn. */
export async function resourceGroup(db: Db, recordId: string): Promise<ResourceGroup | null> {
  const r = await db.query<{ id: string; source_id: string; native_id: string }>(
    `WITH members AS (
       SELECT b.record_id AS id FROM record_identity a JOIN record_identity b ON b.key = a.key WHERE a.record_id = $1
       UNION SELECT $1::text
     ), ranked AS (
       SELECT ${RANKED} FROM members m JOIN records r ON r.id = m.id JOIN sources s ON s.id = r.source_id
       WHERE r.withdrawn_at IS NULL
     )
     SELECT id, source_id, native_id FROM ranked ORDER BY ${PREFERENCE_ORDER}`,
    [recordId],
  );
  if (!r.rows.some((row) => row.id === recordId)) return null;
  const members = r.rows.map((row) => ({ id: row.id, sourceId: row.source_id, nativeId: row.native_id }));
  return { preferred: members[0].id, members };
}

export interface DistinctRow {
  id: string;
  title: string;
  sourceId: string;
  type: string;
  /** Source ids of the group (the preferred record's first, then sorted). */
  sources: string[];
}

/** Visible records with their ranking columns ($1: a source id or null). */
const VISIBLE = `SELECT ${RANKED} FROM records r JOIN sources s ON s.id = r.source_id WHERE r.withdrawn_at IS NULL`;
/** Records of `visible r` that no visible neighbour ranks before: each resource once. */
const PREFERRED = `NOT EXISTS (
  SELECT 1 FROM record_identity a JOIN record_identity b ON b.key = a.key AND b.record_id <> a.record_id
  JOIN visible o ON o.id = b.record_id WHERE a.record_id = r.id AND ${ranksBefore})`;

/**
 * Each resource once: the preferred record of every group (and every record without a shared key), in id
 * order, with the sources of its group. `sourceId` filters the listed (preferred) records by their source.
 */
export async function listDistinct(
  db: Db,
  q: { sourceId?: string; limit: number; offset: number },
): Promise<{ total: number; rows: DistinctRow[] }> {
  const where = `${PREFERRED} AND ($1::text IS NULL OR r.source_id = $1)`;
  const count = await db.query<{ total: number }>(
    `WITH visible AS (${VISIBLE}) SELECT count(*) AS total FROM visible r WHERE ${where}`, [q.sourceId ?? null]);
  const page = await db.query<{ id: string; title: string | null; source_id: string; type: string | null; sources: string[] }>(
    `WITH visible AS (${VISIBLE})
     SELECT r.id, r.title, r.source_id, r.hierarchy_level AS type,
       ARRAY(SELECT DISTINCT o.source_id FROM record_identity a JOIN record_identity b ON b.key = a.key
             JOIN visible o ON o.id = b.record_id WHERE a.record_id = r.id ORDER BY o.source_id) AS sources
     FROM visible r WHERE ${where} ORDER BY r.id LIMIT $2 OFFSET $3`,
    [q.sourceId ?? null, q.limit, q.offset],
  );
  const rows = page.rows.map((row) => ({
    id: row.id,
    title: row.title ?? '',
    sourceId: row.source_id,
    type: row.type ?? '',
    sources: [row.source_id, ...row.sources.filter((s) => s !== row.source_id)],
  }));
  return { total: count.rows[0].total, rows };
}
