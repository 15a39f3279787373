/**
 * Store writes of a run, in batches (src/store/records-batch.ts): a first harvest writes mostly new records,
 * and one multi-row transaction per batch costs far less than a transaction per document. One bad document
 * still never sinks the others: a failed batch is replayed one document at a time to isolate it.
 */
import type { RawDocument } from '../../mappings/types.ts';
import type { Db } from '../store/db.ts';
import { upsertRecord, type UpsertInput, type UpsertOutcome } from '../store/records.ts';
import { upsertRecords } from '../store/records-batch.ts';
import type { PreparedDocument } from './prepare.ts';

/**
 * Documents per write transaction. 25, not 100: the same first-harvest speed on PGlite (bench/harvest), 50 MB
 * less at the peak (a batch's records, originals and statement are in flight between this thread and the
 * store's, long enough to be promoted to the old generation and for their large buffers to fragment malloc).
 */
export const WRITE_BATCH = 25;

export interface PendingWrite {
  doc: PreparedDocument;
  raw: RawDocument;
}

export interface WriteSink {
  stored(w: PendingWrite, outcome: UpsertOutcome): void;
  failed(w: PendingWrite, err: unknown): void;
}

export interface WriteBatch {
  add(w: PendingWrite): Promise<void>;
  /** Writes what is pending; every pending document ends in `stored` or `failed`. */
  flush(): Promise<void>;
}

export function createWriteBatch(
  db: Db,
  run: { sourceId: string; runId: number | null; now: () => Date },
  sink: WriteSink,
  size = WRITE_BATCH,
): WriteBatch {
  const pending: PendingWrite[] = [];
  const input = (w: PendingWrite, at: Date): UpsertInput => ({
    sourceId: run.sourceId,
    nativeId: w.doc.nativeId,
    record: w.doc.record,
    original: w.raw.bytes,
    mediaType: w.raw.mediaType,
    contentHash: w.doc.contentHash,
    runId: run.runId ?? undefined,
    at,
  });
  async function oneByOne(batch: PendingWrite[], at: Date): Promise<void> {
    for (const w of batch) {
      try {
        sink.stored(w, (await upsertRecord(db, input(w, at))).outcome);
      } catch (err) {
        sink.failed(w, err);
      }
    }
  }
  async function write(batch: PendingWrite[]): Promise<void> {
    const at = run.now();
    let results: { outcome: UpsertOutcome }[];
    try {
      results = await upsertRecords(db, batch.map((w) => input(w, at)));
    } catch {
      return oneByOne(batch, at);
    }
    results.forEach((r, i) => sink.stored(batch[i], r.outcome));
  }
  // One batch may be in flight while the next one is mapped: on PostgreSQL the server writes while this
  // process parses (on PGlite both share the thread, and it costs nothing). Never more than one, so memory
  // stays bounded and batches are written in order.
  let inFlight: Promise<void> = Promise.resolve();
  async function flush(): Promise<void> {
    await inFlight;
    if (pending.length > 0) await write(pending.splice(0, pending.length));
  }
  return {
    async add(w) {
      pending.push(w);
      if (pending.length < size) return;
      await inFlight;
      inFlight = write(pending.splice(0, pending.length));
    },
    flush,
  };
}
