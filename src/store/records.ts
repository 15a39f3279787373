/**
 * Harvested records: the normalised record, the original document verbatim, and every earlier version in
 * record_history. Each change writes a search_outbox row in the same transaction, so the search index can
 * never miss one.
 */
import { createHash } from 'node:crypto';
import type { MdRecord } from '../../mappings/types.ts';
import type { Db } from './db.ts';
import { writeIdentity } from './identity.ts';
import { queueOutbox } from './outbox.ts';
import { recordJson, type RecordText } from './record-text.ts';

/**
 * The record's id in the hub: a UUID with the name-based (v5) layout over sha1(sourceId + "\n" + nativeId),
 * so the same document from the same source always gets the same id, across re-harvests and databases.
 */
export function recordId(sourceId: string, nativeId: string): string {
  const b = createHash('sha1').update(`${sourceId}\n${nativeId}`, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50; // version 5
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface UpsertInput {
  sourceId: string;
  nativeId: string;
  record: MdRecord | RecordText;
  original: Buffer;
  mediaType: string;
  contentHash: string;
  runId?: number;
  at?: Date;
}

export type UpsertOutcome = 'new' | 'changed' | 'unchanged';

export interface StoredRecord {
  id: string;
  sourceId: string;
  nativeId: string;
  record: MdRecord;
  mediaType: string;
  contentHash: string;
  firstSeen: Date;
  lastSeen: Date;
  lastChanged: Date;
  withdrawnAt: Date | null;
}

interface RecordState {
  content_hash: string;
  withdrawn_at: Date | null;
}

async function selectState(db: Db, id: string, forUpdate: boolean): Promise<RecordState | null> {
  const lock = forUpdate ? ' FOR UPDATE' : '';
  const r = await db.query<RecordState>(`SELECT content_hash, withdrawn_at FROM records WHERE id = $1${lock}`, [id]);
  return r.rows[0] ?? null;
}

/** Parameters shared by the insert and the update: $1 id … $10 at. */
function recordParams(id: string, input: UpsertInput, at: Date): unknown[] {
  const r = input.record;
  return [id, input.sourceId, input.nativeId, r.identifier ?? null, r.hierarchyLevel ?? null, r.title ?? null,
    recordJson(r), input.original, input.mediaType, input.contentHash, at];
}

/** Inserts a new record; false when a concurrent upsert inserted it first. */
async function insertRecord(db: Db, id: string, input: UpsertInput, at: Date): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO records (id, source_id, native_id, identifier, hierarchy_level, title, record, original,
       media_type, content_hash, first_seen, last_seen, last_changed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11)
     ON CONFLICT (id) DO NOTHING`,
    recordParams(id, input, at),
  );
  return r.rowCount === 1;
}

async function updateRecord(db: Db, id: string, input: UpsertInput, at: Date): Promise<void> {
  await db.query(
    `UPDATE records SET source_id = $2, native_id = $3, identifier = $4, hierarchy_level = $5, title = $6,
       record = $7, original = $8, media_type = $9, content_hash = $10, last_seen = $11, last_changed = $11,
       withdrawn_at = NULL
     WHERE id = $1`,
    recordParams(id, input, at),
  );
}

type Change = 'new' | 'changed' | 'withdrawn' | 'restored';

/** A history row without a previous version: a new record, or a restore of identical content. */
async function insertHistoryEvent(db: Db, id: string, change: Change, hash: string, at: Date, runId?: number) {
  await db.query(
    `INSERT INTO record_history (record_id, run_id, changed_at, change, content_hash)
     VALUES ($1, $2, $3, $4, $5)`,
    [id, runId ?? null, at, change, hash],
  );
}

/** A history row keeping the version about to be replaced, copied from `records` (never through Node). */
async function insertHistoryWithPrevious(db: Db, id: string, change: Change, hash: string, at: Date, runId?: number) {
  await db.query(
    `INSERT INTO record_history (record_id, run_id, changed_at, change, content_hash,
       previous_record, previous_original, previous_media_type, previous_content_hash)
     SELECT id, $2, $3, $4, $5, record, original, media_type, content_hash FROM records WHERE id = $1`,
    [id, runId ?? null, at, change, hash],
  );
}

/** One transaction: record + history row + search_outbox row. Unchanged hash => no write at all. */
export async function upsertRecord(db: Db, input: UpsertInput): Promise<{ id: string; outcome: UpsertOutcome }> {
  const id = recordId(input.sourceId, input.nativeId);
  // Most documents of a re-harvest are unchanged: decide that with one read, outside any transaction.
  const seen = await selectState(db, id, false);
  if (seen && seen.content_hash === input.contentHash && !seen.withdrawn_at) return { id, outcome: 'unchanged' };
  const at = input.at ?? new Date();
  const outcome = await db.tx((t) => upsertRecordIn(t, id, input, at));
  return { id, outcome };
}

/** The write path of one record, inside a caller's transaction (upsertRecord, and the batch path for changes). */
export async function upsertRecordIn(db: Db, id: string, input: UpsertInput, at: Date): Promise<UpsertOutcome> {
  const current = await selectState(db, id, true);
  if (!current) {
    if (!(await insertRecord(db, id, input, at))) return upsertRecordIn(db, id, input, at);
    await insertHistoryEvent(db, id, 'new', input.contentHash, at, input.runId);
  } else {
    const sameContent = current.content_hash === input.contentHash;
    if (sameContent && !current.withdrawn_at) return 'unchanged';
    const change = current.withdrawn_at ? 'restored' : 'changed';
    const history = sameContent ? insertHistoryEvent : insertHistoryWithPrevious;
    await history(db, id, change, input.contentHash, at, input.runId);
    await updateRecord(db, id, input, at);
  }
  // Same transaction as the record: its identity keys never lag behind it (unchanged documents never get here).
  await writeIdentity(db, id, input.record, !current);
  await queueOutbox(db, [id], 'upsert');
  return current ? 'changed' : 'new';
}

/** Marks records as seen (last_seen) without rewriting them; used in batches for unchanged documents. */
export async function touchRecords(db: Db, sourceId: string, nativeIds: string[], at?: Date): Promise<void> {
  if (nativeIds.length === 0) return;
  await db.query('UPDATE records SET last_seen = $3 WHERE source_id = $1 AND native_id = ANY($2::text[])', [
    sourceId,
    nativeIds,
    at ?? new Date(),
  ]);
}

/**
 * Native id -> content hash of the source's stored, not withdrawn records (optionally only these native ids),
 * so a harvest can skip documents it already has before mapping them. Withdrawn records are left out: a
 * document coming back must go through upsertRecord, which restores it.
 */
export async function storedHashes(db: Db, sourceId: string, nativeIds?: string[]): Promise<Map<string, string>> {
  const r = await db.query<{ native_id: string; content_hash: string }>(
    `SELECT native_id, content_hash FROM records
     WHERE source_id = $1 AND ($2::text[] IS NULL OR native_id = ANY($2::text[])) AND withdrawn_at IS NULL`,
    [sourceId, nativeIds ?? null],
  );
  return new Map(r.rows.map((row) => [row.native_id, row.content_hash]));
}

/**
 * Marks the source's records not seen since `seenBefore` as withdrawn: hidden, kept, history 'withdrawn',
 * outbox 'delete'. Only a complete run may call it (DESIGN §6). `seenBefore` must come from the same clock
 * as the `at` given to upsertRecord/touchRecords: the run's startedAt, which startRun takes from Node's clock.
 */
export async function withdrawUnseen(
  db: Db,
  sourceId: string,
  seenBefore: Date,
  opts: { runId?: number; at?: Date } = {},
): Promise<number> {
  return db.tx(async (t) => {
    const at = opts.at ?? new Date();
    const r = await t.query<{ id: string }>(
      `UPDATE records SET withdrawn_at = $3
       WHERE source_id = $1 AND last_seen < $2 AND withdrawn_at IS NULL RETURNING id`,
      [sourceId, seenBefore, at],
    );
    const ids = r.rows.map((row) => row.id);
    if (ids.length === 0) return 0;
    await t.query(
      `INSERT INTO record_history (record_id, run_id, changed_at, change, content_hash)
       SELECT id, $2, $3, 'withdrawn', content_hash FROM records WHERE id = ANY($1::text[])`,
      [ids, opts.runId ?? null, at],
    );
    await queueOutbox(t, ids, 'delete');
    return ids.length;
  });
}

/**
 * Withdraws these records of the source (by native id), but only those still not seen since `seenBefore`:
 * a record written or touched by the current run is never withdrawn, whatever the caller computed. Same
 * effects as withdrawUnseen (history 'withdrawn', outbox 'delete'); returns the native ids withdrawn.
 */
export async function withdrawRecords(
  db: Db,
  sourceId: string,
  nativeIds: string[],
  opts: { seenBefore: Date; runId?: number; at?: Date },
): Promise<string[]> {
  if (nativeIds.length === 0) return [];
  return db.tx(async (t) => {
    const at = opts.at ?? new Date();
    const r = await t.query<{ id: string; native_id: string }>(
      `UPDATE records SET withdrawn_at = $4
       WHERE source_id = $1 AND native_id = ANY($2::text[]) AND last_seen < $3 AND withdrawn_at IS NULL
       RETURNING id, native_id`,
      [sourceId, nativeIds, opts.seenBefore, at],
    );
    const ids = r.rows.map((row) => row.id);
    if (ids.length === 0) return [];
    await t.query(
      `INSERT INTO record_history (record_id, run_id, changed_at, change, content_hash)
       SELECT id, $2, $3, 'withdrawn', content_hash FROM records WHERE id = ANY($1::text[])`,
      [ids, opts.runId ?? null, at],
    );
    await queueOutbox(t, ids, 'delete');
    return r.rows.map((row) => row.native_id);
  });
}

/** Native id -> the URL the record was last harvested from (its provenance), for these native ids. */
export async function harvestedUrls(db: Db, sourceId: string, nativeIds: string[]): Promise<Map<string, string>> {
  if (nativeIds.length === 0) return new Map();
  const r = await db.query<{ native_id: string; url: string | null }>(
    `SELECT native_id, record -> 'provenance' ->> 'url' AS url FROM records
     WHERE source_id = $1 AND native_id = ANY($2::text[])`,
    [sourceId, nativeIds],
  );
  return new Map(r.rows.filter((row) => row.url !== null).map((row) => [row.native_id, row.url!]));
}

/** Deletes records withdrawn before `withdrawnBefore` (the grace period is over), with their history. */
export async function purgeWithdrawn(db: Db, withdrawnBefore: Date): Promise<number> {
  const r = await db.query('DELETE FROM records WHERE withdrawn_at < $1', [withdrawnBefore]);
  return r.rowCount;
}

const storedColumns = `id, source_id, native_id, record, media_type, content_hash,
  first_seen, last_seen, last_changed, withdrawn_at`;

interface StoredRow {
  id: string;
  source_id: string;
  native_id: string;
  record: MdRecord;
  media_type: string;
  content_hash: string;
  first_seen: Date;
  last_seen: Date;
  last_changed: Date;
  withdrawn_at: Date | null;
}

function toStored(row: StoredRow): StoredRecord {
  return {
    id: row.id,
    sourceId: row.source_id,
    nativeId: row.native_id,
    record: row.record,
    mediaType: row.media_type,
    contentHash: row.content_hash,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    lastChanged: row.last_changed,
    withdrawnAt: row.withdrawn_at,
  };
}

/** One record, withdrawn or not (see `withdrawnAt`). */
export async function getRecord(db: Db, id: string): Promise<StoredRecord | null> {
  const r = await db.query<StoredRow>(`SELECT ${storedColumns} FROM records WHERE id = $1`, [id]);
  return r.rows[0] ? toStored(r.rows[0]) : null;
}

/** The harvested document, byte for byte, with the media type it was served with. */
export async function getOriginal(db: Db, id: string): Promise<{ bytes: Buffer; mediaType: string } | null> {
  const r = await db.query<{ original: Buffer; media_type: string }>(
    'SELECT original, media_type FROM records WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  return row ? { bytes: row.original, mediaType: row.media_type } : null;
}

export interface ListQuery {
  sourceId?: string;
  limit: number;
  offset: number;
  includeWithdrawn?: boolean;
}

/** Filter shared by the count and the page: $1 source id or null, $2 include withdrawn. */
const listFilter = '($1::text IS NULL OR source_id = $1) AND ($2::boolean OR withdrawn_at IS NULL)';

/** A page of records in id order with the exact total; withdrawn records are left out unless asked for. */
export async function listRecords(
  db: Db,
  q: ListQuery,
): Promise<{ total: number; rows: { id: string; title: string; sourceId: string; type: string }[] }> {
  const filter = [q.sourceId ?? null, q.includeWithdrawn ?? false];
  const count = await db.query<{ total: number }>(`SELECT count(*) AS total FROM records WHERE ${listFilter}`, filter);
  const page = await db.query<{ id: string; title: string; source_id: string; type: string }>(
    `SELECT id, coalesce(title, '') AS title, source_id, coalesce(hierarchy_level, '') AS type
     FROM records WHERE ${listFilter} ORDER BY id LIMIT $3 OFFSET $4`,
    [...filter, q.limit, q.offset],
  );
  const rows = page.rows.map((r) => ({ id: r.id, title: r.title, sourceId: r.source_id, type: r.type }));
  return { total: count.rows[0].total, rows };
}

/**
 * Keyset paging in id order: the records after `after` (exclusive). For deep, harvest-style listings
 * (CSW, DCAT, exports) where OFFSET would rescan every earlier page.
 */
export async function scanRecords(
  db: Db,
  q: { sourceId?: string; after?: string; limit: number; includeWithdrawn?: boolean },
): Promise<StoredRecord[]> {
  const r = await db.query<StoredRow>(
    `SELECT ${storedColumns} FROM records
     WHERE ${listFilter} AND ($3::text IS NULL OR id > $3) ORDER BY id LIMIT $4`,
    [q.sourceId ?? null, q.includeWithdrawn ?? false, q.after ?? null, q.limit],
  );
  return r.rows.map(toStored);
}

/** The record's history, oldest first. */
export async function getHistory(
  db: Db,
  id: string,
): Promise<{ changedAt: Date; change: string; contentHash: string; runId: number | null }[]> {
  const r = await db.query<{ changed_at: Date; change: string; content_hash: string; run_id: number | null }>(
    'SELECT changed_at, change, content_hash, run_id FROM record_history WHERE record_id = $1 ORDER BY id',
    [id],
  );
  return r.rows.map((h) => ({ changedAt: h.changed_at, change: h.change, contentHash: h.content_hash, runId: h.run_id }));
}

/** A version the record had before a change: what `record_history` keeps for 'changed' rows. */
export async function getPreviousVersions(
  db: Db,
  id: string,
): Promise<{ changedAt: Date; contentHash: string; record: MdRecord; original: Buffer; mediaType: string }[]> {
  const r = await db.query<{ changed_at: Date; previous_content_hash: string; previous_record: MdRecord;
    previous_original: Buffer; previous_media_type: string }>(
    `SELECT changed_at, previous_content_hash, previous_record, previous_original, previous_media_type
     FROM record_history WHERE record_id = $1 AND previous_original IS NOT NULL ORDER BY id`,
    [id],
  );
  return r.rows.map((h) => ({ changedAt: h.changed_at, contentHash: h.previous_content_hash,
    record: h.previous_record, original: h.previous_original, mediaType: h.previous_media_type }));
}
