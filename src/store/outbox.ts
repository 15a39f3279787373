/**
 * The search outbox: one row per record change, written in the transaction that changes the record, and
 * drained in batches by the indexer, which acknowledges (deletes) what it has applied to the SearchIndex.
 */
import { removeFromCatalogue } from './catalogue.ts';
import type { Db } from './db.ts';

export type OutboxOp = 'upsert' | 'delete';

/** Queues one row per record id; call it inside the transaction that changed the records. */
export async function queueOutbox(db: Db, recordIds: string[], op: OutboxOp): Promise<void> {
  if (recordIds.length === 0) return;
  // A record withdrawn or deleted leaves the published catalogue in the same transaction: publishers never
  // show it, even while the index sync lags (the sync then publishes another record of its group, if any).
  if (op === 'delete') await removeFromCatalogue(db, recordIds);
  await db.query('INSERT INTO search_outbox (record_id, op) SELECT unnest($1::text[]), $2', [recordIds, op]);
}

/** The oldest pending rows, in the order they were written. */
export async function pendingOutbox(db: Db, limit: number): Promise<{ id: number; recordId: string; op: OutboxOp }[]> {
  const r = await db.query<{ id: number; record_id: string; op: OutboxOp }>(
    'SELECT id, record_id, op FROM search_outbox ORDER BY id LIMIT $1',
    [limit],
  );
  return r.rows.map((row) => ({ id: row.id, recordId: row.record_id, op: row.op }));
}

/** Removes rows the indexer has applied. */
export async function ackOutbox(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('DELETE FROM search_outbox WHERE id = ANY($1::bigint[])', [ids]);
}

/** How many outbox rows are waiting: the search index's lag behind the store, in changes. */
export async function outboxLag(db: Db): Promise<number> {
  const r = await db.query<{ pending: number }>('SELECT count(*) AS pending FROM search_outbox');
  return r.rows[0].pending;
}
