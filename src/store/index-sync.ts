/**
 * The store reads of index sync (src/search/indexer.ts): set-based, one query per batch. Which records are
 * visible and grouped, who their neighbours are (now and before their latest changes), and the outbox's extent.
 */
import { identityKeys } from '../harvest/identity.ts';
import type { MdRecord } from '../../mappings/types.ts';
import type { Db } from './db.ts';

export interface VisibleRow {
  id: string;
  source_id: string;
  record: MdRecord;
  /** True when at least one other visible record shares a resource identifier with it. */
  grouped: boolean;
}

/** Visible neighbours of a record (`$ref` the record id column): the predicate of "grouped". */
const HAS_NEIGHBOUR = (ref: string) => `EXISTS (
  SELECT 1 FROM record_identity a JOIN record_identity b ON b.key = a.key AND b.record_id <> a.record_id
  JOIN records o ON o.id = b.record_id AND o.withdrawn_at IS NULL WHERE a.record_id = ${ref})`;

/** The visible records among these ids. */
export async function visibleRecords(db: Db, ids: string[]): Promise<VisibleRow[]> {
  const r = await db.query<VisibleRow>(
    `SELECT r.id, r.source_id, r.record, ${HAS_NEIGHBOUR('r.id')} AS grouped
     FROM records r WHERE r.id = ANY($1::text[]) AND r.withdrawn_at IS NULL`, [ids]);
  return r.rows;
}

/** A keyset page of visible records in id order, after `after` (exclusive). */
export async function visiblePage(db: Db, after: string | null, limit: number): Promise<VisibleRow[]> {
  const r = await db.query<VisibleRow>(
    `SELECT r.id, r.source_id, r.record, ${HAS_NEIGHBOUR('r.id')} AS grouped
     FROM records r WHERE r.withdrawn_at IS NULL AND ($1::text IS NULL OR r.id > $1) ORDER BY r.id LIMIT $2`,
    [after, limit]);
  return r.rows;
}

/**
 * Visible records sharing a resource identifier with any of these records. The records themselves may be
 * withdrawn: their identity keys are kept until they are purged, so a withdrawal still finds the neighbours it
 * leaves behind.
 */
export async function neighboursOf(db: Db, ids: string[]): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `SELECT DISTINCT b.record_id AS id FROM record_identity a
     JOIN record_identity b ON b.key = a.key AND b.record_id <> a.record_id
     JOIN records o ON o.id = b.record_id AND o.withdrawn_at IS NULL
     WHERE a.record_id = ANY($1::text[])`, [ids]);
  return r.rows.map((row) => row.id);
}

/**
 * Identity keys of the versions these records had before their last `depth` changes (record_history keeps
 * each replaced version): a record whose identifiers changed leaves its former neighbours, which
 * record_identity no longer links to it.
 */
export async function previousKeys(db: Db, ids: string[], depth: number): Promise<string[]> {
  const r = await db.query<{ ids: MdRecord['resourceIdentifiers'] | null }>(
    `SELECT previous_record -> 'resourceIdentifiers' AS ids FROM (
       SELECT previous_record, row_number() OVER (PARTITION BY record_id ORDER BY id DESC) AS n
       FROM record_history WHERE record_id = ANY($1::text[]) AND previous_record IS NOT NULL) h
     WHERE n <= $2`, [ids, depth]);
  return [...new Set(r.rows.flatMap((row) => identityKeys({ resourceIdentifiers: row.ids ?? [] })))];
}

/** Visible records holding any of these identity keys. */
export async function recordsWithKeys(db: Db, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const r = await db.query<{ id: string }>(
    `SELECT DISTINCT i.record_id AS id FROM record_identity i JOIN records o ON o.id = i.record_id
     WHERE i.key = ANY($1::text[]) AND o.withdrawn_at IS NULL`, [keys]);
  return r.rows.map((row) => row.id);
}

/** The newest outbox row id (0 when empty): a rebuild clears the rows up to it. */
export async function outboxHighWater(db: Db): Promise<number> {
  const r = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM search_outbox');
  return Number(r.rows[0].id ?? 0);
}

export async function clearOutboxUpTo(db: Db, id: number): Promise<number> {
  return (await db.query('DELETE FROM search_outbox WHERE id <= $1', [id])).rowCount;
}
